"""The real local models behind the emulator, through the unmodified openai SDK on a loopback socket."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import av
import numpy as np
import openai
import pytest

from .helpers import looks_like_english, skip_without_local_models, word_error_rate

pytestmark = [pytest.mark.local_models, skip_without_local_models()]

SENTENCE = "The quick brown fox jumps over the lazy dog. Please call me back before noon tomorrow."
CODECS = {"mp3": "mp3", "opus": "opus", "aac": "aac", "flac": "flac", "wav": "pcm_s16le", "pcm": "pcm_s16le"}


@pytest.fixture(scope="module")
def client() -> Iterator[openai.AzureOpenAI]:
    from aoai_nb.emulator import Emulator

    with Emulator(engine="local") as emu:
        sdk = openai.AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21")
        try:
            yield sdk
        finally:
            sdk.close()


def test_chat_reply_is_non_empty_english_from_the_local_engine(client: openai.AzureOpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
        max_tokens=40,
        temperature=0,
    )
    assert raw.headers["x-aoai-nb-engine"] == "local:smollm2-135m-instruct-q4_1"
    completion = raw.parse()
    text = completion.choices[0].message.content or ""
    assert looks_like_english(text), text
    assert completion.usage is not None and 0 < completion.usage.completion_tokens <= 40


def test_chat_streams_several_chunks(client: openai.AzureOpenAI) -> None:
    pieces: list[str] = []
    with client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Why is the sky blue?"}],
        max_tokens=30,
        temperature=0,
        stream=True,
    ) as stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
    assert len(pieces) >= 5
    assert looks_like_english("".join(pieces))


def test_paraphrases_are_closer_than_unrelated_text(client: openai.AzureOpenAI) -> None:
    texts = [
        "A man is playing a guitar.",
        "Someone is strumming a guitar.",
        "The stock market fell sharply today.",
    ]
    result = client.embeddings.create(model="text-embedding-3-small", input=texts)
    vectors = np.array([item.embedding for item in result.data])
    assert vectors.shape == (3, 384)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] and sims[1, 0] > sims[1, 2]


def test_speech_round_trips_through_transcription(client: openai.AzureOpenAI) -> None:
    audio = client.audio.speech.create(
        model="tts", voice="alloy", input=SENTENCE, response_format="mp3"
    ).read()
    transcript = client.audio.transcriptions.create(
        model="whisper",
        file=("speech.mp3", audio),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert word_error_rate(SENTENCE, transcript.text) <= 0.2, transcript.text
    words = transcript.words or []
    assert len(words) >= 12
    assert all(w.start <= w.end for w in words)
    assert all(a.start <= b.start and a.end <= b.end for a, b in zip(words, words[1:], strict=False))
    segments = transcript.segments or []
    assert segments and all(a.end <= b.start + 1e-6 for a, b in zip(segments, segments[1:], strict=False))


@pytest.mark.parametrize("fmt", sorted(CODECS))
def test_every_speech_format_decodes_with_its_codec(client: openai.AzureOpenAI, fmt: str) -> None:
    data = client.audio.speech.create(
        model="tts", voice="nova", input="Hello from the emulator.", response_format=fmt
    )  # type: ignore[arg-type]
    raw = data.read()
    options = {"sample_rate": "24000", "ch_layout": "mono"} if fmt == "pcm" else {}
    with av.open(io.BytesIO(raw), format="s16le" if fmt == "pcm" else None, options=options) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.codec.canonical_name == CODECS[fmt]
        assert stream.codec_context.channels == 1
        seconds = sum(frame.samples for frame in container.decode(stream)) / (
            stream.codec_context.sample_rate or 1
        )
    assert 0.5 < seconds < 5


def test_token_ids_embed_like_their_text(client: openai.AzureOpenAI) -> None:
    # [15339, 1917] is "hello world" in cl100k_base, text-embedding-3-small's vocabulary (as LangChain sends it)
    from_ids = client.embeddings.create(model="text-embedding-3-small", input=[[15339, 1917]])
    from_text = client.embeddings.create(model="text-embedding-3-small", input=["hello world"])
    np.testing.assert_allclose(from_ids.data[0].embedding, from_text.data[0].embedding, rtol=1e-5, atol=1e-6)


def test_named_function_call_round_trip(client: openai.AzureOpenAI) -> None:
    weather = {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    }
    messages: list = [{"role": "user", "content": "What's the weather like in Glasgow?"}]
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, functions=[weather], function_call={"name": weather["name"]}
    )
    choice = first.choices[0]
    call = choice.message.function_call
    assert choice.finish_reason == "stop" and call is not None and call.name == weather["name"]
    assert isinstance(json.loads(call.arguments)["location"], str)  # grammar-constrained by the schema
    messages += [
        choice.message.model_dump(exclude_none=True),
        {"role": "function", "name": call.name, "content": '{"temperature": "11 C", "sky": "rain"}'},
    ]
    answer = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, functions=[weather], max_tokens=40
    )
    # a 135M model may answer in text or call again (auto); either way the reply has the legacy shape
    reply = answer.choices[0]
    if reply.message.function_call is not None:
        assert reply.finish_reason == "function_call" and reply.message.tool_calls is None
    else:
        assert reply.message.content and reply.finish_reason in ("stop", "length")
