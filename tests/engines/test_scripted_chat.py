"""The scripted chat engine: labelled replies, streaming, limits, logprobs, determinism, images."""

from __future__ import annotations

import io
import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from aoai_nb.emulator.engines import EngineSet
from aoai_nb.emulator.engines.base import (
    ChatEngine,
    ChatMessage,
    ChatRequest,
    CompletionEngine,
    EmbeddingEngine,
    EngineInputError,
    ImageEngine,
    ImageInput,
    SamplingParams,
    SpeechEngine,
    TranscriptionEngine,
)
from aoai_nb.emulator.engines.scripted import ScriptedChatEngine, count_tokens, scripted_engine_set
from aoai_nb.emulator.engines.scripted.tokens import _find_tokens, split_tokens

from .helpers import drain, text_of, user

ENGINE = ScriptedChatEngine()


def test_engine_set_implements_every_protocol_and_is_named_scripted() -> None:
    engines = scripted_engine_set()
    assert isinstance(engines, EngineSet)
    assert isinstance(engines.chat, ChatEngine)
    assert isinstance(engines.completion, CompletionEngine)
    assert isinstance(engines.embedding, EmbeddingEngine)
    assert isinstance(engines.image, ImageEngine)
    assert isinstance(engines.transcription, TranscriptionEngine)
    assert isinstance(engines.speech, SpeechEngine)
    assert engines.moderation is None
    assert set(engines.names().values()) == {"scripted", "off"}


def test_count_tokens_rule() -> None:
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("") == 0
    assert count_tokens("   \n ") == 0
    assert split_tokens("Hello, world! ") == ["Hello", ",", " world", "! "]


@given(st.text())
def test_split_tokens_round_trips_and_agrees_with_count(text: str) -> None:
    pieces = split_tokens(text)
    assert "".join(pieces) == text
    assert len([p for p in pieces if p.strip()]) == count_tokens(text)


def test_reply_is_labelled_echoes_and_counts() -> None:
    request = ChatRequest(
        messages=(
            ChatMessage("system", "You are a terse pirate who answers in rhymes."),
            ChatMessage("user", "Where is the treasure?"),
        ),
        sampling=SamplingParams(temperature=0),
    )
    deltas, finish = drain(ENGINE.chat(request))
    text = text_of(deltas)
    assert text.startswith("[scripted reply]")
    assert '"Where is the treasure?"' in text
    assert "2 messages (1 from the user)" in text
    assert 'system prompt begins "You are a terse pirate who..."' in text
    assert len(deltas) > 20  # streamed word by word
    assert finish.finish_reason == "stop"
    assert finish.completion_tokens == count_tokens(text) == len(deltas)


def test_prompt_tokens_follow_the_documented_rule() -> None:
    _, finish = drain(ENGINE.chat(user("Hello there")))
    # 3 to prime the reply + per message: 3 + role (1) + content (2)
    assert finish.prompt_tokens == 3 + 3 + 1 + 2


def test_long_user_message_is_truncated_in_the_echo() -> None:
    deltas, _ = drain(ENGINE.chat(user("word " * 200, temperature=0)))
    assert "..." in text_of(deltas)
    assert len(text_of(deltas)) < 600


def test_same_request_gives_same_output() -> None:
    request = user("Repeat me", temperature=0.9)
    assert list(ENGINE.chat(request, 1)) == list(ENGINE.chat(request, 1))


def test_temperature_zero_makes_every_choice_identical() -> None:
    request = user("Same for all", temperature=0)
    texts = {text_of(drain(ENGINE.chat(request, index))[0]) for index in range(4)}
    assert len(texts) == 1


def test_positive_temperature_varies_wording_by_choice_and_seed() -> None:
    request = user("Vary me", temperature=1.0, seed=7)
    texts = {text_of(drain(ENGINE.chat(request, index))[0]) for index in range(6)}
    assert len(texts) > 1
    seeds = {text_of(drain(ENGINE.chat(user("Vary me", seed=s), 0))[0]) for s in range(6)}
    assert len(seeds) > 1


def test_max_tokens_cuts_with_finish_length() -> None:
    full = text_of(drain(ENGINE.chat(user("Hello", temperature=0)))[0])
    deltas, finish = drain(ENGINE.chat(user("Hello", temperature=0, max_tokens=5)))
    assert finish.finish_reason == "length"
    assert finish.completion_tokens == 5 == len(deltas)
    assert full.startswith(text_of(deltas))


def test_max_tokens_larger_than_reply_finishes_with_stop() -> None:
    _, finish = drain(ENGINE.chat(user("Hello", max_tokens=10_000)))
    assert finish.finish_reason == "stop"


def test_stop_sequence_cuts_before_it() -> None:
    deltas, finish = drain(ENGINE.chat(user("Hello", temperature=0, stop=("zzz", " conversation"))))
    text = text_of(deltas)
    assert finish.finish_reason == "stop"
    assert text == '[scripted reply] You said: "Hello". This'
    assert finish.completion_tokens == count_tokens(text)


def test_stop_before_max_tokens_wins() -> None:
    _, finish = drain(ENGINE.chat(user("Hello", temperature=0, stop=("reply",), max_tokens=50)))
    assert finish.finish_reason == "stop"
    assert finish.completion_tokens == 2  # "[" "scripted"


def test_logprobs_are_per_token_sorted_and_normalisable() -> None:
    deltas, _ = drain(ENGINE.chat(user("Hi", logprobs=True, top_logprobs=3)))
    for delta in deltas:
        (entry,) = delta.logprobs
        assert entry.token == delta.text
        assert entry.logprob < 0
        assert len(entry.top) == 3
        assert entry.top[0] == (entry.token, entry.logprob)
        values = [value for _, value in entry.top]
        assert values == sorted(values, reverse=True)
        assert sum(math.exp(v) for v in values) < 1
        assert len({token for token, _ in entry.top}) == 3


def test_no_logprobs_unless_asked() -> None:
    deltas, _ = drain(ENGINE.chat(user("Hi")))
    assert all(d.logprobs == () for d in deltas)


def test_json_object_reply_is_a_json_object() -> None:
    request = ChatRequest(
        messages=(ChatMessage("user", "Give JSON"),), response_format={"type": "json_object"}
    )
    payload = json.loads(text_of(drain(ENGINE.chat(request))[0]))
    assert payload["engine"] == "scripted"
    assert payload["reply"].startswith("[scripted reply]")


def test_json_schema_without_schema_is_an_input_error() -> None:
    request = ChatRequest(
        messages=(ChatMessage("user", "x"),), response_format={"type": "json_schema", "json_schema": {}}
    )
    with pytest.raises(EngineInputError) as caught:
        ENGINE.chat(request)
    assert caught.value.param == "response_format"


def _png(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_parts_are_measured_not_seen() -> None:
    image = ImageInput(_png((200, 20, 20), (40, 30)), "image/png")
    request = ChatRequest(messages=(ChatMessage("user", "What is this?", images=(image,)),))
    deltas, finish = drain(ENGINE.chat(request))
    text = text_of(deltas)
    assert "a 40x30 PNG image whose dominant colour is #c81414 (red)" in text
    assert "cannot see images" in text
    assert finish.prompt_tokens >= 85


def test_undecodable_image_is_reported_in_the_reply() -> None:
    image = ImageInput(b"not an image", "image/jpeg")
    request = ChatRequest(messages=(ChatMessage("user", "What is this?", images=(image,)),))
    assert "could not be decoded" in text_of(drain(ENGINE.chat(request))[0])


@given(st.text() | st.text(st.characters(max_codepoint=127)))
def test_the_token_rule_is_runs_of_word_characters_or_one_other_character(text: str) -> None:
    """The documented rule, as first written; the engine's faster patterns (one for ASCII text) split every
    text the same, ASCII control characters that count as whitespace included."""
    assert _find_tokens(text) == re.findall(r"\s*(?:\w+|[^\w\s])", text)


def test_ascii_whitespace_is_what_python_counts_as_whitespace() -> None:
    for text in ("a\x1cb", "a\x1f b", "\x0b\x0ca", "x\x7f", "a_b-c"):
        assert _find_tokens(text) == re.findall(r"\s*(?:\w+|[^\w\s])", text)
