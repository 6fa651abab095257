"""POST images/generations, audio/transcriptions, audio/translations and audio/speech."""

from __future__ import annotations

import base64
import time
from typing import Any

from starlette.responses import PlainTextResponse, Response

from aoai_nb.emulator import model_rules as rules
from aoai_nb.emulator import params as p
from aoai_nb.emulator.cancel import Cancel
from aoai_nb.emulator.engines.base import (
    ImageRequest,
    ImageResult,
    SpeechRequest,
    Transcript,
)
from aoai_nb.emulator.event_streams import event_stream
from aoai_nb.emulator.images import IMAGE_PATH, image_base_url
from aoai_nb.emulator.routes import gpt_image, image_screen, speech_sse, transcribe
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.wire import echo, invalid_request, operation_not_supported

IMAGE_PARAMS = {"model", "prompt", "n", "size", "quality", "style", "response_format", "user"}
SIZES = {"1024x1024": (1024, 1024), "1792x1024": (1792, 1024), "1024x1792": (1024, 1792)}
AUDIO_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")


async def images(rt: Runtime, call: Call) -> Response:
    if gpt_image.is_gpt_image(call.deployment.info):
        return await gpt_image.generate(rt, call)
    body = call.body
    p.reject_unknown(body, IMAGE_PARAMS)
    p.required(body, "prompt")
    prompt = p.string(body, "prompt", max_length=4000) or ""
    if not prompt.strip():
        raise invalid_request("Invalid value for 'prompt': it is empty; describe the image.", param="prompt")
    n = p.integer(body, "n", 1, 1, 10) or 1
    if n > 1 and call.deployment.model.startswith("dall-e-3"):
        raise invalid_request(
            f"Invalid value for 'n': {n}; dall-e-3 generates one image per request (n=1). "
            "Send several requests for more images.",
            param="n",
            code="invalid_value",
        )
    size = p.string(body, "size", "1024x1024", choices=SIZES) or "1024x1024"
    quality = p.string(body, "quality", "standard", choices=("standard", "hd")) or "standard"
    style = p.string(body, "style", "vivid", choices=("vivid", "natural")) or "vivid"
    response_format = p.string(body, "response_format", "url", choices=("url", "b64_json"))
    p.string(body, "user")
    rt.charge(call, 0)
    annotation = await image_screen.screen(rt, call, prompt)
    await rt.before_output(call)
    width, height = SIZES[size]
    request = ImageRequest(prompt=prompt, width=width, height=height, quality=quality, style=style)
    engine = call.engines.image
    cancel = Cancel()  # a client that leaves stops the images not yet made

    def generate_all() -> list[ImageResult]:
        results = []
        for _ in range(n):
            cancel.check()
            results.append(engine.generate(request))
        return results

    results = await rt.run(engine, generate_all, call=call, cancel=cancel)
    base = image_base_url(call.request.scope, rt.config.public_url)
    data = []
    for result in results:
        item: dict[str, Any] = {
            **image_screen.filter_results(call, annotation),
            "revised_prompt": result.revised_prompt,
        }
        if response_format == "b64_json":
            item["b64_json"] = base64.b64encode(result.png).decode("ascii")
        else:
            item["url"] = f"{base}{IMAGE_PATH}/{rt.images.put(result.png)}.png"
        data.append(item)
    return json_response(call, {"created": int(time.time()), "data": data})


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}{separator}{rest % 1000:03d}"


def subtitles(transcript: Transcript, fmt: str) -> str:
    if fmt == "srt":
        return "".join(
            f"{i}\n{_clock(s.start, ',')} --> {_clock(s.end, ',')}\n{s.text.strip()}\n\n"
            for i, s in enumerate(transcript.segments, 1)
        )
    return "WEBVTT\n\n" + "".join(
        f"{_clock(s.start, '.')} --> {_clock(s.end, '.')}\n{s.text.strip()}\n\n" for s in transcript.segments
    )


def verbose(transcript: Transcript, task: str, granularities: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "task": task,
        "language": transcript.language,
        "duration": transcript.duration,
        "text": transcript.text,
    }
    if "segment" in granularities or not granularities:
        body["segments"] = [
            {
                "id": s.id,
                "seek": 0,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "tokens": list(s.tokens),
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in transcript.segments
        ]
    if "word" in granularities:
        body["words"] = [{"word": w.word, "start": w.start, "end": w.end} for w in transcript.words]
    return body


async def _audio(rt: Runtime, call: Call, translate: bool) -> Response:
    info = call.deployment.info
    if not info.has("translation"):  # the gpt-4o transcribe models: their own rules; no translations
        if translate:
            raise operation_not_supported("translation", call.deployment.model)
        return await transcribe.transcribe(rt, call)
    fields = call.body
    rules.check_rejected(info, fields)
    fields.pop("stream", None)  # whisper ignores stream (SDK docstring)
    known = {"model", "prompt", "response_format", "temperature"} | (
        set() if translate else {"language", "timestamp_granularities"}
    )
    p.reject_unknown(fields, known)
    fmt = p.string(fields, "response_format", "json", choices=AUDIO_FORMATS) or "json"
    temperature = p.form_number(fields, "temperature", 0.0, 0, 1)
    language = p.string(fields, "language")
    if language is not None and not (language.isalpha() and 2 <= len(language) <= 3):
        raise invalid_request(
            f"Invalid value for 'language': {echo(language)}; use an ISO-639-1 code such as 'en'.",
            param="language",
        )
    granularities = fields.get("timestamp_granularities") or []
    if any(g not in ("word", "segment") for g in granularities):
        raise invalid_request(
            "Invalid value for 'timestamp_granularities[]': use 'word' and/or 'segment'.",
            param="timestamp_granularities",
        )
    if granularities and fmt != "verbose_json":
        raise invalid_request(
            "'timestamp_granularities' needs response_format 'verbose_json'.", param="timestamp_granularities"
        )
    transcript = await transcribe.transcribe_upload(
        rt,
        call,
        language=language,
        prompt=p.string(fields, "prompt"),
        temperature=temperature,
        translate=translate,
        word_timestamps="word" in granularities,
    )
    if fmt == "json":
        return json_response(call, {"text": transcript.text})
    if fmt == "verbose_json":
        return json_response(
            call, verbose(transcript, "translate" if translate else "transcribe", granularities)
        )
    text = transcript.text if fmt == "text" else subtitles(transcript, fmt)
    return PlainTextResponse(text, headers=call.headers)


async def transcriptions(rt: Runtime, call: Call) -> Response:
    return await _audio(rt, call, translate=False)


async def translations(rt: Runtime, call: Call) -> Response:
    return await _audio(rt, call, translate=True)


async def speech(rt: Runtime, call: Call) -> Response:
    """audio/speech with the deployment's model rules: its voices, ``instructions`` (gpt-4o-mini-tts only;
    tts/tts-hd answer 400) and ``stream_format`` ``sse`` (gpt-4o-mini-tts only)."""
    info = call.deployment.info
    body = call.body
    p.reject_unknown(
        body, {"model", "input", "voice", "response_format", "speed", "instructions", "stream_format"}
    )
    rules.check_rejected(info, body)
    p.required(body, "input")
    text = p.string(body, "input", max_length=int(info.limits.get("input_chars", 4096))) or ""
    if not text.strip():
        raise invalid_request(
            "Invalid value for 'input': it is empty; give the text to speak.", param="input"
        )
    p.required(body, "voice")
    voice = rules.check_voice(info, body.get("voice"))
    fmt = p.string(body, "response_format", "mp3", choices=info.response_formats) or "mp3"
    speed = p.form_number(body, "speed", 1.0, 0.25, 4.0)
    instructions = p.string(body, "instructions", max_length=4096)
    stream_format = rules.check_choice(info, "stream_format", body.get("stream_format")) or "audio"
    rt.charge(call, 0)
    await rt.before_output(call)
    engine = call.engines.speech
    request = SpeechRequest(text=text, voice=voice, speed=speed, response_format=fmt)
    result = await rt.run(engine, engine.synthesize, request, call=call)
    from aoai_nb.emulator.audio import CONTENT_TYPES, encode_speech

    if result.encoded is not None:  # the engine encoded while it spoke (local Piper)
        data, content_type = result.encoded, CONTENT_TYPES[fmt]
    else:
        data, content_type = await rt.run(
            None, encode_speech, result.samples, result.sample_rate, fmt, call=call
        )
    if instructions:
        call.headers[speech_sse.INSTRUCTIONS_HEADER] = speech_sse.INSTRUCTIONS_NOTE
    if stream_format == "sse":
        seconds = len(result.samples) / result.sample_rate
        return event_stream(call, speech_sse.events(data, text, instructions, seconds))
    return Response(data, headers=call.headers, media_type=content_type)
