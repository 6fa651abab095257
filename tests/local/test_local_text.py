"""Chat, legacy completions and embeddings on the real local models, called directly (no HTTP)."""

from __future__ import annotations

import io
import json
import threading

import numpy as np
import pytest

from aoai_nb.emulator.engines import EngineSet
from aoai_nb.emulator.engines.base import (
    ChatMessage,
    ChatRequest,
    CompletionRequest,
    EngineInputError,
    ImageInput,
    SamplingParams,
)

from .helpers import drain, looks_like_english, skip_without_local_models, text_of

pytestmark = [pytest.mark.local_models, skip_without_local_models()]

QUESTION = "Why is the sky blue?"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


def ask(text: str, **sampling: object) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage("user", text),), sampling=SamplingParams(**sampling))  # type: ignore[arg-type]


def test_chat_reply_is_non_empty_english_with_usage(local_engines: EngineSet) -> None:
    deltas, finish = drain(local_engines.chat.chat(ask(QUESTION, max_tokens=40, temperature=0)))
    assert looks_like_english(text_of(deltas)), text_of(deltas)
    assert finish.prompt_tokens > 5 and 0 < finish.completion_tokens <= 40
    assert local_engines.chat.name == "local:smollm2-135m-instruct-q4_1"


def test_chat_streams_token_by_token(local_engines: EngineSet) -> None:
    deltas, finish = drain(local_engines.chat.chat(ask(QUESTION, max_tokens=20, temperature=0)))
    assert 5 <= len(deltas) <= finish.completion_tokens  # about one delta per generated token


def test_max_tokens_is_honoured_with_finish_reason_length(local_engines: EngineSet) -> None:
    deltas, finish = drain(local_engines.chat.chat(ask("Write a long story about a dragon.", max_tokens=7)))
    assert finish.finish_reason == "length"
    assert finish.completion_tokens == 7


def test_stop_sequence_ends_the_reply_before_it(local_engines: EngineSet) -> None:
    request = ask("Count from 1 to 10, separated by commas.", max_tokens=60, temperature=0, stop=("5",))
    deltas, finish = drain(local_engines.chat.chat(request))
    text = text_of(deltas)
    assert finish.finish_reason == "stop"
    assert "4" in text and "5" not in text and "6" not in text


def test_seed_and_temperature_zero_are_deterministic(local_engines: EngineSet) -> None:
    greedy = [
        text_of(drain(local_engines.chat.chat(ask(QUESTION, max_tokens=25, temperature=0)))[0]) for _ in "ab"
    ]
    assert greedy[0] == greedy[1]
    sampled = [
        text_of(
            drain(local_engines.chat.chat(ask("Write a poem.", max_tokens=25, temperature=1.0, seed=7)))[0]
        )
        for _ in "ab"
    ]
    assert sampled[0] == sampled[1]


def test_required_tool_choice_gives_a_parsed_tool_call(local_engines: EngineSet) -> None:
    request = ChatRequest(
        messages=(ChatMessage("user", "What is the weather in Paris?"),),
        sampling=SamplingParams(max_tokens=40, temperature=0),
        tools=(WEATHER_TOOL,),
        tool_choice="required",
    )
    deltas, finish = drain(local_engines.chat.chat(request))
    assert text_of(deltas) == ""
    assert finish.finish_reason == "tool_calls"
    (call,) = finish.tool_calls
    assert call.name == "get_weather" and call.id.startswith("call_")
    assert set(json.loads(call.arguments)) == {"city"}


def test_json_schema_response_format_is_grammar_constrained(local_engines: EngineSet) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    request = ChatRequest(
        messages=(ChatMessage("user", "Describe a cat."),),
        sampling=SamplingParams(max_tokens=60, temperature=0),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "cat", "schema": schema, "strict": True},
        },
    )
    deltas, finish = drain(local_engines.chat.chat(request))
    value = json.loads(text_of(deltas))
    assert set(value) == {"name", "age"} and isinstance(value["age"], int)
    assert finish.finish_reason == "stop"


def test_image_parts_get_an_honest_note(local_engines: EngineSet) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 20, 20)).save(buffer, "PNG")
    image = ImageInput(buffer.getvalue(), "image/png")
    request = ChatRequest(
        messages=(ChatMessage("user", "What is in this picture?", images=(image,)),),
        sampling=SamplingParams(max_tokens=10, temperature=0),
    )
    deltas, finish = drain(local_engines.chat.chat(request))
    text = text_of(deltas)
    assert text.startswith("[Emulator note: no vision model is installed")
    assert "120x80 PNG" in text and "red" in text
    assert finish.completion_tokens > 10  # the note's tokens are counted too


def test_prompt_longer_than_the_context_is_an_input_error(local_engines: EngineSet) -> None:
    with pytest.raises(EngineInputError, match="context size") as caught:
        drain(local_engines.chat.chat(ask("word " * 3000)))
    assert caught.value.param == "messages"


def test_two_threads_generate_at_once(local_engines: EngineSet) -> None:
    results: list[str] = []

    def run() -> None:
        results.append(text_of(drain(local_engines.chat.chat(ask(QUESTION, max_tokens=8, temperature=0)))[0]))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and all(results)


def test_close_from_another_thread_stops_a_running_generation(local_engines: EngineSet) -> None:
    generation = local_engines.chat.chat(ask("Write a very long story about a dragon.", max_tokens=400))
    received: list[object] = []
    started = threading.Event()
    errors: list[BaseException] = []

    def consume() -> None:
        try:
            for item in generation:
                received.append(item)
                if len(received) >= 3:
                    started.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            started.set()

    thread = threading.Thread(target=consume)
    thread.start()
    assert started.wait(timeout=30)
    generation.close()  # type: ignore[attr-defined]  # the HTTP layer's disconnect path
    thread.join(timeout=30)
    assert not thread.is_alive() and not errors
    assert 3 <= len(received) < 400


def test_legacy_completion_continues_the_prompt_with_logprobs(local_engines: EngineSet) -> None:
    request = CompletionRequest(
        "The capital of France is", SamplingParams(max_tokens=5, temperature=0, logprobs=True, top_logprobs=2)
    )
    deltas, finish = drain(local_engines.completion.complete(request))
    assert "Paris" in text_of(deltas)
    assert finish.prompt_tokens == 5 and finish.completion_tokens == 5
    assert all(len(d.logprobs) == 1 and len(d.logprobs[0].top) == 2 for d in deltas)
    assert all(d.logprobs[0].logprob <= 0 for d in deltas)


def test_completion_suffix_is_refused_clearly(local_engines: EngineSet) -> None:
    with pytest.raises(EngineInputError, match="suffix") as caught:
        local_engines.completion.complete(CompletionRequest("def add(a, b):", suffix="return c"))
    assert caught.value.param == "suffix"


# --- embeddings ------------------------------------------------------------------------------------------


def cosine_matrix(local_engines: EngineSet, texts: list[str], dimensions: int | None = None) -> np.ndarray:
    vectors = local_engines.embedding.embed(texts, dimensions).vectors
    return vectors @ vectors.T


def test_paraphrases_score_higher_than_unrelated_text(local_engines: EngineSet) -> None:
    texts = [
        "A man is playing a guitar.",
        "Someone is strumming a guitar.",
        "The stock market fell sharply today.",
    ]
    result = local_engines.embedding.embed(texts)
    assert result.vectors.shape == (3, 384) and result.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-5)
    sims = result.vectors @ result.vectors.T
    assert sims[0, 1] > 0.5 > 0.2 > sims[0, 2]
    assert result.prompt_tokens >= sum(len(t.split()) for t in texts)  # word pieces, [CLS]/[SEP] not counted


def test_batches_and_order_do_not_change_vectors(local_engines: EngineSet) -> None:
    texts = [
        f"Sentence number {i} is about {'cats' if i % 2 else 'the weather in spring'}." for i in range(70)
    ]
    together = local_engines.embedding.embed(texts).vectors
    alone = local_engines.embedding.embed([texts[41]]).vectors
    np.testing.assert_allclose(together[41], alone[0], atol=1e-4)


def test_dimensions_truncate_and_renormalise(local_engines: EngineSet) -> None:
    full = local_engines.embedding.embed(["hello world"]).vectors[0]
    short = local_engines.embedding.embed(["hello world"], dimensions=64).vectors[0]
    assert short.shape == (64,)
    assert np.linalg.norm(short) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(short, full[:64] / np.linalg.norm(full[:64]), atol=1e-5)


def test_more_dimensions_than_native_are_refused(local_engines: EngineSet) -> None:
    assert local_engines.embedding.native_dimensions == 384
    with pytest.raises(EngineInputError, match="384") as caught:
        local_engines.embedding.embed(["hello"], dimensions=385)
    assert caught.value.param == "dimensions"
