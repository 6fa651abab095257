"""POST audio/transcriptions for gpt-4o-transcribe, gpt-4o-mini-transcribe and gpt-4o-transcribe-diarize.

Rules (§5.1, §5.2 of azure-openai-2026.md): ``json``/``text`` only (the diarize model adds ``diarized_json``),
``include[]=logprobs`` with ``json`` on the transcribe models, ``stream=true`` as SSE ``transcript.text.delta`` /
``transcript.text.done`` events (plus ``transcript.text.segment`` for diarize), ``chunking_strategy`` required for
diarize input over 30 s. The words come from the deployment's transcription engine (Whisper tiny.en locally, a
labelled placeholder when scripted); neither engine diarizes, so speakers are assigned by a stated rule
(``speakers``), and logprobs are each segment's average (``token_logprobs``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import PlainTextResponse, Response

from aoai_nb.emulator import model_rules as rules
from aoai_nb.emulator import params as p
from aoai_nb.emulator.audio import max_audio_seconds
from aoai_nb.emulator.engines.base import Transcript, TranscriptionRequest
from aoai_nb.emulator.event_streams import event_stream
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.wire import invalid_request
from aoai_nb.models import ModelInfo

KNOWN = {
    "model",
    "prompt",
    "response_format",
    "temperature",
    "language",
    "include",
    "stream",
    "chunking_strategy",
    "timestamp_granularities",
    "known_speaker_names",
    "known_speaker_references",
}
SPEAKER_PAUSE_SECONDS = 0.8  # a gap at least this long between segments hands the turn to the next speaker
SPEAKERS = ("A", "B")  # the labels the Azure capture shows (A, B, C, D); the rule alternates two
AUDIO_TOKENS_PER_SECOND = 10  # usage.input_token_details.audio_tokens: an approximation, see docs/emulator.md


def chunking_strategy(fields: dict[str, Any]) -> Any:
    """``auto``, a server_vad object (as JSON text or bracketed form keys), or None."""
    nested = {
        k[len("chunking_strategy[") : -1]: fields.pop(k)
        for k in list(fields)
        if k.startswith("chunking_strategy[")
    }
    raw = fields.get("chunking_strategy")
    if nested:
        raw = nested
    elif isinstance(raw, str) and raw.strip().startswith("{"):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise p.wrong_type("chunking_strategy", raw, "'auto' or a server_vad object") from None
    if raw is None or raw == "auto":
        return raw
    if isinstance(raw, dict) and raw.get("type") == "server_vad":
        return raw
    raise invalid_request(
        f"Invalid value for 'chunking_strategy': {raw!r}; use 'auto' or {{\"type\": \"server_vad\", ...}}.",
        param="chunking_strategy",
        code="invalid_value",
    )


def speakers(transcript: Transcript) -> list[str]:
    """One label per segment: the first is A; a pause of SPEAKER_PAUSE_SECONDS or more switches A <-> B.
    A stand-in rule: the emulator's engines do not tell voices apart."""
    labels: list[str] = []
    turn = 0
    for k, segment in enumerate(transcript.segments):
        if k and segment.start - transcript.segments[k - 1].end >= SPEAKER_PAUSE_SECONDS:
            turn = 1 - turn
        labels.append(SPEAKERS[turn])
    return labels


def token_logprobs(transcript: Transcript) -> list[dict[str, Any]]:
    """``logprobs`` entries: the text's tokens, each with its segment's average log-probability."""
    from aoai_nb.emulator.engines.scripted.tokens import split_tokens

    entries = []
    for segment in transcript.segments:
        for token in split_tokens(segment.text.strip() + " "):
            entries.append({"token": token, "logprob": segment.avg_logprob, "bytes": list(token.encode())})
    return entries


def usage(transcript: Transcript, prompt: str | None) -> dict[str, Any]:
    from aoai_nb.emulator.engines.scripted.tokens import count_tokens

    audio = math.ceil(transcript.duration * AUDIO_TOKENS_PER_SECOND)
    text = count_tokens(prompt) if prompt else 0
    out = count_tokens(transcript.text)
    return {
        "type": "tokens",
        "input_tokens": audio + text,
        "input_token_details": {"audio_tokens": audio, "text_tokens": text},
        "output_tokens": out,
        "total_tokens": audio + text + out,
    }


def _diarized_segments(transcript: Transcript) -> list[dict[str, Any]]:
    return [
        {
            "type": "transcript.text.segment",
            "id": f"seg_{k + 1}",
            "start": s.start,
            "end": s.end,
            "speaker": speaker,
            "text": s.text.strip(),
        }
        for k, (s, speaker) in enumerate(zip(transcript.segments, speakers(transcript), strict=True))
    ]


def _stream_events(
    transcript: Transcript, logprobs: bool, diarize: bool, use: dict[str, Any]
) -> list[dict[str, Any]]:
    from aoai_nb.emulator.engines.scripted.tokens import split_tokens

    events: list[dict[str, Any]] = []
    segments = _diarized_segments(transcript) if diarize else []
    for k, segment in enumerate(transcript.segments):
        text = segment.text.strip() + (" " if k < len(transcript.segments) - 1 else "")
        for token in split_tokens(text):
            delta: dict[str, Any] = {"type": "transcript.text.delta", "delta": token}
            if logprobs:
                delta["logprobs"] = [
                    {"token": token, "logprob": segment.avg_logprob, "bytes": list(token.encode())}
                ]
            if diarize:
                delta["segment_id"] = segments[k]["id"]
            events.append(delta)
        if diarize:
            events.append(segments[k])
    done: dict[str, Any] = {"type": "transcript.text.done", "text": transcript.text, "usage": use}
    if logprobs:
        done["logprobs"] = token_logprobs(transcript)
    events.append(done)
    return events


async def transcribe_upload(
    rt: Runtime,
    call: Call,
    *,
    language: str | None,
    prompt: str | None,
    temperature: float,
    translate: bool = False,
    word_timestamps: bool = False,
) -> Transcript:
    """The uploaded audio through the deployment's transcription engine: whisper (``media``) and the gpt-4o
    transcribe models alike. An empty file is a 400; the call is charged and passes ``rt.before_output`` (faults,
    latency) first; audio over the model's ``max_audio_seconds`` is the engine's 400."""
    upload = call.upload
    assert upload is not None  # the gateway parsed the multipart body and required 'file'
    if not upload.data:
        raise invalid_request("The uploaded 'file' is empty; send an audio file.", param="file")
    rt.charge(call, 0)
    await rt.before_output(call)
    request = TranscriptionRequest(
        audio=upload.data,
        filename=upload.filename,
        translate=translate,
        language=language,
        prompt=prompt,
        temperature=temperature,
        word_timestamps=word_timestamps,
        max_seconds=max_audio_seconds(call.deployment.model, rt.config.max_audio_seconds),
    )
    engine = call.engines.transcription
    return await rt.run(engine, engine.transcribe, request, call=call)


async def transcribe(rt: Runtime, call: Call) -> Response:
    info: ModelInfo = call.deployment.info
    fields = call.body
    strategy = chunking_strategy(fields)
    p.reject_unknown(fields, KNOWN)
    rules.check_rejected(info, fields)
    diarize = info.has("diarization")
    if not diarize and (fields.get("known_speaker_names") or fields.get("known_speaker_references")):
        raise rules.unsupported_parameter("known_speaker_names")
    fmt = rules.check_response_format(info, fields.get("response_format"), "json")
    include = fields.get("include") or []
    if isinstance(include, str):
        include = [include]
    for item in include:
        rules.check_choice(info, "include", item)
    logprobs = "logprobs" in include
    if logprobs and fmt != "json":
        raise invalid_request(
            f"'include[]=logprobs' needs response_format 'json', not '{fmt}'.",
            param="include",
            code="invalid_value",
        )
    stream = p.form_boolean(fields, "stream")
    language = p.string(fields, "language")
    prompt = p.string(fields, "prompt")
    temperature = p.form_number(fields, "temperature", 0.0, 0, 1)
    transcript = await transcribe_upload(rt, call, language=language, prompt=prompt, temperature=temperature)
    limit = info.limits.get("chunking_required_over_seconds")
    if limit is not None and strategy is None and transcript.duration > float(limit):
        raise invalid_request(
            f"'chunking_strategy' is required for audio longer than {limit} seconds with model "
            f"'{info.name}' ({transcript.duration:.1f} s sent); send chunking_strategy='auto'.",
            param="chunking_strategy",
            code="missing_required_parameter",
        )
    use = usage(transcript, prompt)
    if stream:
        return event_stream(call, _stream_events(transcript, logprobs, diarize, use))
    if fmt == "text":
        return PlainTextResponse(transcript.text, headers=call.headers)
    if fmt == "diarized_json":
        body = {
            "task": "transcribe",
            "duration": transcript.duration,
            "text": transcript.text,
            "segments": _diarized_segments(transcript),
            "usage": use,
        }
        return json_response(call, body)
    body = {"text": transcript.text, "usage": use}
    if logprobs:
        body["logprobs"] = token_logprobs(transcript)
    return json_response(call, body)
