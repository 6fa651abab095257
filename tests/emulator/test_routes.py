"""Every other route through the openai SDK: completions, embeddings, models, images, audio in and out."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import httpx2
import numpy as np
import openai
import pytest


def test_legacy_completion(client: openai.AzureOpenAI) -> None:
    reply = client.completions.create(
        model="gpt-35-turbo-instruct", prompt="Hello World!", max_tokens=8, temperature=0
    )
    assert reply.object == "text_completion" and reply.id.startswith("cmpl-")
    assert reply.choices[0].text
    assert (reply.model_extra or {})["prompt_filter_results"][0]["prompt_index"] == 0
    assert reply.usage is not None and reply.usage.completion_tokens <= 8


def test_completion_prompt_list_n_echo_logprobs(client: openai.AzureOpenAI) -> None:
    reply = client.completions.create(
        model="gpt-35-turbo-instruct", prompt=["One", "Two"], n=2, echo=True, logprobs=2, max_tokens=4
    )
    assert [c.index for c in reply.choices] == [0, 1, 2, 3]
    assert reply.choices[0].text.startswith("One") and reply.choices[2].text.startswith("Two")
    logprobs = reply.choices[0].logprobs
    assert logprobs is not None and logprobs.tokens and logprobs.text_offset
    assert logprobs.text_offset[0] == len("One")
    assert [r["prompt_index"] for r in (reply.model_extra or {})["prompt_filter_results"]] == [0, 1]


def test_completion_with_suffix_and_token_prompt(client: openai.AzureOpenAI) -> None:
    reply = client.completions.create(
        model="gpt-35-turbo-instruct", prompt=[15339, 1917], suffix=" end", max_tokens=4
    )
    assert reply.choices[0].finish_reason in ("stop", "length")


def test_completion_stream(client: openai.AzureOpenAI) -> None:
    stream = client.completions.create(
        model="gpt-35-turbo-instruct",
        prompt="Count:",
        max_tokens=5,
        stream=True,
        stream_options={"include_usage": True},
    )
    with stream:
        chunks = list(stream)
    assert chunks[0].choices == [] and chunks[0].id == ""  # Azure's annotation chunk comes first
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert text
    finals = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finals) == 1
    assert chunks[-1].usage is not None


async def test_async_completion(aclient: openai.AsyncAzureOpenAI) -> None:
    reply = await aclient.completions.create(model="gpt-35-turbo-instruct", prompt="Hi", max_tokens=3)
    assert reply.choices[0].text


def test_embeddings_single_and_many(client: openai.AzureOpenAI) -> None:
    one = client.embeddings.create(model="text-embedding-3-small", input="Attention is all you need")
    assert len(one.data) == 1 and len(one.data[0].embedding) == 1536
    assert abs(np.linalg.norm(one.data[0].embedding) - 1) < 1e-4
    many = client.embeddings.create(model="text-embedding-3-small", input=["a", "b", "c"])
    assert [d.index for d in many.data] == [0, 1, 2]
    assert many.usage.prompt_tokens == many.usage.total_tokens > 0


def test_embeddings_dimensions_and_base64(raw: httpx2.Client) -> None:
    path = "/openai/deployments/text-embedding-3-small/embeddings"
    body = {"input": ["cat", "dog"], "dimensions": 64}
    floats = raw.post(path, params={"api-version": "2024-10-21"}, json=body).json()
    encoded = raw.post(
        path, params={"api-version": "2024-10-21"}, json={**body, "encoding_format": "base64"}
    ).json()
    vector = np.frombuffer(base64.b64decode(encoded["data"][1]["embedding"]), dtype="<f4")
    assert vector.shape == (64,)
    np.testing.assert_allclose(vector, floats["data"][1]["embedding"], rtol=1e-6)


def test_sdk_default_base64_embeddings_decode(client: openai.AzureOpenAI) -> None:
    # the SDK asks for base64 when encoding_format is not given and decodes it itself
    result = client.embeddings.create(model="text-embedding-3-small", input=[[15339, 1917]])
    assert len(result.data[0].embedding) == 1536


async def test_v1_async_embeddings(av1: openai.AsyncOpenAI) -> None:
    result = await av1.embeddings.create(model="text-embedding-3-small", input="hello", dimensions=8)
    assert len(result.data[0].embedding) == 8


def test_models_list_and_retrieve(client: openai.AzureOpenAI, v1: openai.OpenAI) -> None:
    names = [m.id for m in client.models.list()]  # the catalog's models, not the deployments
    assert {"gpt-4o-mini-2024-07-18", "text-embedding-3-small-1", "dall-e-3-3.0", "whisper-001"} <= set(names)
    assert [m.id for m in v1.models.list()] == names
    assert v1.models.retrieve("whisper").id == "whisper-001"
    with pytest.raises(openai.NotFoundError):
        v1.models.retrieve("no-such-model")


def test_image_url_is_served_with_get_and_head(client: openai.AzureOpenAI, emulator: Any) -> None:
    result = client.images.generate(
        model="dall-e-3", prompt="A rabbit eating pancakes", size="1792x1024", quality="hd", style="vivid"
    )
    image = result.data[0]  # type: ignore[index]
    assert image.url and image.url.startswith(emulator.url) and image.revised_prompt
    extra = image.model_extra or {}
    assert extra["content_filter_results"]["violence"] == {"filtered": False, "severity": "safe"}
    assert extra["prompt_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    head = httpx2.head(image.url)
    assert head.status_code == 200 and head.headers["content-type"] == "image/png" and head.content == b""
    png = httpx2.get(image.url).content
    assert png.startswith(b"\x89PNG") and int(head.headers["content-length"]) == len(png)
    from PIL import Image

    assert Image.open(io.BytesIO(png)).size == (1792, 1024)


def test_image_b64_json(v1: openai.OpenAI) -> None:
    result = v1.images.generate(model="dall-e-3", prompt="A lighthouse", response_format="b64_json")
    assert base64.b64decode(result.data[0].b64_json or "").startswith(b"\x89PNG")  # type: ignore[index]


def test_unknown_image_id_is_404(emulator: Any) -> None:
    assert httpx2.get(f"{emulator.url}/aoai-nb/images/0123.png").status_code == 404


def _speech(client: openai.AzureOpenAI, fmt: Any = "wav") -> bytes:
    response = client.audio.speech.create(
        model="tts", voice="alloy", input="Testing, testing, 1, 2, 3", response_format=fmt
    )
    return response.read()


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus", "aac", "pcm"])
def test_speech_formats(client: openai.AzureOpenAI, fmt: str) -> None:
    audio = _speech(client, fmt)
    assert len(audio) > 100
    if fmt == "wav":
        assert audio[:4] == b"RIFF"
    if fmt == "flac":
        assert audio[:4] == b"fLaC"


def test_speech_accepts_multipart_as_the_preview_spec_declares(raw: httpx2.Client) -> None:
    fields = {"input": "hello there", "voice": "nova", "response_format": "wav", "speed": "1.5"}
    multipart = {key: (None, value) for key, value in fields.items()}
    response = raw.post(
        "/openai/deployments/tts/audio/speech", params={"api-version": "2025-04-01-preview"}, files=multipart
    )
    assert response.status_code == 200, response.text
    assert response.content[:4] == b"RIFF"
    assert response.request.headers["content-type"].startswith("multipart/form-data")


def test_transcription_formats(client: openai.AzureOpenAI) -> None:
    wav = _speech(client)
    as_json = client.audio.transcriptions.create(model="whisper", file=("speech.wav", wav))
    assert isinstance(as_json.text, str)
    text = client.audio.transcriptions.create(
        model="whisper", file=("speech.wav", wav), response_format="text"
    )
    assert isinstance(text, str)
    srt = client.audio.transcriptions.create(model="whisper", file=("speech.wav", wav), response_format="srt")
    assert "-->" in srt and "," in srt.split("-->")[0]
    vtt = client.audio.transcriptions.create(model="whisper", file=("speech.wav", wav), response_format="vtt")
    assert vtt.startswith("WEBVTT")


def test_verbose_transcription_with_word_and_segment_timestamps(client: openai.AzureOpenAI) -> None:
    wav = _speech(client)
    result = client.audio.transcriptions.create(
        model="whisper",
        file=("speech.wav", wav),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )
    assert result.duration > 0 and result.language
    assert result.segments and result.words is not None
    assert all(w.start <= w.end for w in result.words)


def test_translation(v1: openai.OpenAI, client: openai.AzureOpenAI) -> None:
    wav = _speech(client)
    with pytest.warns(
        DeprecationWarning
    ):  # openai 3.x marks audio.translations deprecated; Azure still serves it
        result = v1.audio.translations.create(
            model="whisper", file=("speech.wav", wav), response_format="verbose_json"
        )
    assert json.loads(result.model_dump_json())["task"] == "translate"


async def test_async_media_routes(aclient: openai.AsyncAzureOpenAI) -> None:
    image = await aclient.images.generate(model="dall-e-3", prompt="a kite", response_format="b64_json")
    assert image.data and image.data[0].b64_json
    speech = await aclient.audio.speech.create(
        model="tts", voice="echo", input="one two", response_format="wav"
    )
    wav = await speech.aread()
    transcript = await aclient.audio.transcriptions.create(model="whisper", file=("speech.wav", wav))
    assert isinstance(transcript.text, str)


def test_every_response_carries_the_azure_headers(raw: httpx2.Client) -> None:
    for response in (
        raw.get("/openai/models", params={"api-version": "2024-10-21"}),
        raw.get("/nowhere"),
        raw.post(
            "/openai/deployments/gpt-4o-mini/chat/completions",
            params={"api-version": "2024-10-21"},
            json={"messages": [{"role": "user", "content": "x"}], "max_tokens": 2},
        ),
    ):
        assert response.headers["x-request-id"] == response.headers["apim-request-id"]
        assert response.headers["x-ms-region"] == "emulator"
    assert response.headers["x-aoai-nb-engine"] == "scripted"
