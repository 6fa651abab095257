"""Transcribe, diarize and speech models' rules through the SDK: formats, logprobs, streams, speakers, voices."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx2
import numpy as np
import openai
import pytest
import soundfile

RATE = 16_000
V = {"api-version": "2024-10-21"}
TRANSLATE = "/openai/deployments/{}/audio/translations"


def _speechlike(*bursts: tuple[float, float], total: float = 4.0) -> bytes:
    """A WAV with tone bursts (start, end seconds) in silence: the scripted engine's voiced regions."""
    t = np.arange(int(total * RATE)) / RATE
    wave = np.zeros_like(t, dtype=np.float32)
    for start, end in bursts:
        inside = (t >= start) & (t < end)
        wave[inside] = 0.3 * np.sin(2 * np.pi * 220 * t[inside])
    buffer = io.BytesIO()
    soundfile.write(buffer, wave, RATE, format="WAV")
    return buffer.getvalue()


AUDIO = _speechlike((0.2, 1.0), (1.5, 2.1), (3.0, 3.7))  # gaps: 0.5 s (same speaker), 0.9 s (next speaker)


def _error(exc: pytest.ExceptionInfo[openai.BadRequestError]) -> dict[str, Any]:
    assert exc.value.status_code == 400
    return dict(exc.value.response.json()["error"])


def test_transcribe_json_has_usage_and_no_segments(client: openai.AzureOpenAI) -> None:
    raw = client.audio.transcriptions.with_raw_response.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), prompt="A short test."
    )
    body = raw.http_response.json()
    assert set(body) == {"text", "usage"} and body["text"]
    usage = body["usage"]
    assert usage["type"] == "tokens" and usage["input_token_details"]["audio_tokens"] == 40  # 4 s x 10
    assert usage["input_token_details"]["text_tokens"] > 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert raw.parse().text == body["text"]


def test_transcribe_text_format(client: openai.AzureOpenAI) -> None:
    text = client.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), response_format="text"
    )
    assert isinstance(text, str) and "scripted transcription" in text


@pytest.mark.parametrize("fmt", ["verbose_json", "srt", "vtt"])
def test_transcribe_models_refuse_whisper_formats(client: openai.AzureOpenAI, fmt: str) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), response_format=fmt
        )  # type: ignore[call-overload]
    assert _error(exc) == {
        "message": f"response_format '{fmt}' is not compatible with model 'gpt-4o-mini-transcribe'. "
        "Use 'json' or 'text' instead.",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": "unsupported_value",
    }


def test_transcribe_refuses_timestamps_and_translations(
    client: openai.AzureOpenAI, raw: httpx2.Client
) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), timestamp_granularities=["word"]
        )
    assert _error(exc) == {
        "message": "Unsupported parameter: 'timestamp_granularities' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "timestamp_granularities",
        "code": "unsupported_parameter",
    }
    # translations: raw HTTP, since the SDK marks audio.translations deprecated
    answer = raw.post(TRANSLATE.format("gpt-4o-mini-transcribe"), params=V, files={"file": ("a.wav", AUDIO)})
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "OperationNotSupported"


def test_logprobs_with_include(client: openai.AzureOpenAI) -> None:
    result = client.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), include=["logprobs"]
    )
    assert result.logprobs
    assert "".join(lp.token or "" for lp in result.logprobs).strip() == result.text
    assert all(lp.logprob == -0.25 for lp in result.logprobs)  # the scripted segments' average
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe",
            file=("a.wav", AUDIO),
            include=["logprobs"],
            response_format="text",
        )
    assert _error(exc)["param"] == "include"


def test_streamed_transcript_events(client: openai.AzureOpenAI) -> None:
    events = list(
        client.audio.transcriptions.create(
            model="gpt-4o-mini-transcribe", file=("a.wav", AUDIO), stream=True, include=["logprobs"]
        )
    )
    kinds = [e.type for e in events]
    assert set(kinds[:-1]) == {"transcript.text.delta"} and kinds[-1] == "transcript.text.done"
    deltas = "".join(e.delta for e in events[:-1] if e.type == "transcript.text.delta")
    done = events[-1]
    assert done.type == "transcript.text.done" and done.text == deltas
    assert done.usage is not None and done.logprobs
    assert all(e.logprobs for e in events[:-1] if e.type == "transcript.text.delta")


def test_diarized_json_alternates_speakers_on_long_pauses(client: openai.AzureOpenAI) -> None:
    raw = client.audio.transcriptions.with_raw_response.create(
        model="gpt-4o-transcribe-diarize", file=("a.wav", AUDIO), response_format="diarized_json"
    )
    body = raw.http_response.json()
    assert body["task"] == "transcribe" and body["duration"] == pytest.approx(4.0)
    segments = body["segments"]
    assert [s["speaker"] for s in segments] == ["A", "A", "B"]
    assert [s["id"] for s in segments] == ["seg_1", "seg_2", "seg_3"]
    assert all(s["type"] == "transcript.text.segment" and s["end"] > s["start"] for s in segments)
    assert body["text"] == " ".join(s["text"] for s in segments)
    assert body["usage"]["type"] == "tokens"


def test_diarize_rules(client: openai.AzureOpenAI) -> None:
    for kwargs, param in (({"prompt": "names"}, "prompt"), ({"include": ["logprobs"]}, "include")):
        with pytest.raises(openai.BadRequestError) as exc:
            client.audio.transcriptions.create(
                model="gpt-4o-transcribe-diarize", file=("a.wav", AUDIO), **kwargs
            )
        assert _error(exc) == {
            "message": f"Unsupported parameter: '{param}' is not supported with this model.",
            "type": "invalid_request_error",
            "param": param,
            "code": "unsupported_parameter",
        }
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize", file=("a.wav", AUDIO), response_format="verbose_json"
        )
    assert _error(exc)["message"] == (
        "response_format 'verbose_json' is not compatible with model 'gpt-4o-transcribe-diarize'. "
        "Use 'json', 'text' or 'diarized_json' instead."
    )


def test_diarize_needs_chunking_strategy_over_30_seconds(client: openai.AzureOpenAI) -> None:
    long = _speechlike((1.0, 2.0), (20.0, 21.0), total=31.0)
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(model="gpt-4o-transcribe-diarize", file=("a.wav", long))
    error = _error(exc)
    assert error["param"] == "chunking_strategy" and error["code"] == "missing_required_parameter"
    assert "31.0 s sent" in error["message"]
    for strategy in ("auto", {"type": "server_vad", "silence_duration_ms": 500}):
        result = client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize",
            file=("a.wav", long),
            chunking_strategy=strategy,  # type: ignore[arg-type]
            response_format="diarized_json",
        )
        assert [s.speaker for s in result.segments] == ["A", "B"]  # type: ignore[union-attr]


def test_streamed_diarization_has_segment_events(client: openai.AzureOpenAI) -> None:
    events = list(
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe-diarize",
            file=("a.wav", AUDIO),
            stream=True,
            response_format="diarized_json",
        )
    )
    segments = [e for e in events if e.type == "transcript.text.segment"]
    assert [s.speaker for s in segments] == ["A", "A", "B"]  # type: ignore[union-attr]
    assert events[-1].type == "transcript.text.done"


def test_whisper_keeps_verbose_json_words_and_translations(
    client: openai.AzureOpenAI, raw: httpx2.Client
) -> None:
    verbose = client.audio.transcriptions.create(
        model="whisper",
        file=("a.wav", AUDIO),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        stream=False,
    )
    assert verbose.words and verbose.segments
    answer = raw.post(TRANSLATE.format("whisper"), params=V, files={"file": ("a.wav", AUDIO)})
    assert answer.status_code == 200 and answer.json()["text"]
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.transcriptions.create(model="whisper", file=("a.wav", AUDIO), include=["logprobs"])
    assert _error(exc)["code"] == "unsupported_parameter"


# --- speech -------------------------------------------------------------------------------------------------


def test_mini_tts_takes_instructions_and_its_voices(client: openai.AzureOpenAI) -> None:
    raw = client.audio.speech.with_raw_response.create(
        model="gpt-4o-mini-tts",
        voice="marin",
        input="Hello there.",
        instructions="Cheerful.",
        response_format="wav",
    )
    assert raw.http_response.headers["content-type"] == "audio/wav"
    assert "not applied" in raw.http_response.headers["x-aoai-nb-instructions"]
    samples, rate = soundfile.read(io.BytesIO(raw.http_response.content))
    assert rate == 24_000 and len(samples) > 1000


def test_tts_rejects_instructions_and_new_voices(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.speech.create(model="tts", voice="alloy", input="Hi.", instructions="Whisper it.")
    assert _error(exc) == {
        "message": "Unsupported parameter: 'instructions' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "instructions",
        "code": "unsupported_parameter",
    }
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.speech.create(model="tts", voice="marin", input="Hi.")
    assert _error(exc) == {
        "message": "Invalid value: 'marin'. Supported values are: 'alloy', 'echo', 'fable', 'onyx', 'nova', "
        "and 'shimmer'.",
        "type": "invalid_request_error",
        "param": "voice",
        "code": "invalid_value",
    }
    with pytest.raises(openai.BadRequestError) as exc:
        client.audio.speech.create(model="tts", voice="alloy", input="Hi.", stream_format="sse")
    assert _error(exc)["param"] == "stream_format"


def test_mini_tts_streams_sse_audio(client: openai.AzureOpenAI) -> None:
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="coral",
        input="One two three four five.",
        response_format="pcm",
        stream_format="sse",
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    import json

    events = [json.loads(line[len("data: ") :]) for line in lines]
    assert {e["type"] for e in events[:-1]} == {"speech.audio.delta"}
    done = events[-1]
    assert done["type"] == "speech.audio.done"
    usage = done["usage"]
    assert (
        usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] and usage["output_tokens"] > 0
    )
    pcm = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert len(pcm) % 2 == 0 and len(pcm) > 24_000  # 16-bit samples, more than half a second at 24 kHz


@pytest.mark.parametrize("model", ["gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"])
def test_transcribe_json_validates_against_the_2024_spec(
    raw: httpx2.Client, spec_2024: Any, model: str
) -> None:
    answer = raw.post(
        f"/openai/deployments/{model}/audio/transcriptions", params=V, files={"file": ("a.wav", AUDIO)}
    )
    assert answer.status_code == 200, answer.text
    spec_2024.validate_component(answer.json(), "audioResponse")  # the spec knows {"text"}; usage is extra
