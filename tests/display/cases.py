"""Real responses and errors obtained through the SDK from the scripted emulator, one function per golden case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

from aoai_nb.display._live import StreamResult
from aoai_nb.display._transcript_stream import TranscriptStream
from aoai_nb.display._usage import UsageTracker

HELLO = [{"role": "user", "content": "Hello"}]
SPEECH_INPUT = "Testing, testing, 1, 2, 3"


def chat(c: openai.AzureOpenAI) -> Any:
    return c.chat.completions.create(model="gpt-4o-mini", messages=HELLO, temperature=0)  # type: ignore[arg-type]


def chat_output_cut(c: openai.AzureOpenAI) -> Any:
    return c.chat.completions.create(
        model="gpt-4o-mini",
        messages=HELLO,  # type: ignore[arg-type]
        temperature=0,
        extra_headers={"x-aoai-nb-filter": "output:sexual=medium"},
    )


def completion(c: openai.AzureOpenAI) -> Any:
    return c.completions.create(
        model="gpt-35-turbo-instruct", prompt="Hello World!", max_tokens=12, temperature=0
    )


def embeddings(c: openai.AzureOpenAI) -> Any:
    return c.embeddings.create(model="text-embedding-3-small", input=["Attention is all you need", "hi"])


def images_b64(c: openai.AzureOpenAI) -> Any:
    return c.images.generate(model="dall-e-3", prompt="A rabbit eating pancakes", response_format="b64_json")


def images_url(c: openai.AzureOpenAI) -> Any:
    return c.images.generate(model="dall-e-3", prompt="A rabbit eating pancakes")


def speech(c: openai.AzureOpenAI) -> Any:
    return c.audio.speech.create(model="tts", voice="alloy", input=SPEECH_INPUT, response_format="wav")


def transcript(c: openai.AzureOpenAI) -> Any:
    audio = speech(c).content
    return c.audio.transcriptions.create(
        model="whisper",
        file=("speech.wav", audio),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
    )


def stream(c: openai.AzureOpenAI) -> StreamResult:
    source = c.chat.completions.create(
        model="gpt-4o-mini",
        messages=HELLO,  # type: ignore[arg-type]
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    return StreamResult(source, live=False, tracker=UsageTracker()).wait()


def chat_reasoning(c: openai.AzureOpenAI) -> Any:
    return c.chat.completions.create(
        model="gpt-5-mini",
        messages=HELLO,  # type: ignore[arg-type]
        max_completion_tokens=16,
        reasoning_effort="low",
    )


def images_gpt(c: openai.AzureOpenAI) -> Any:
    return c.images.generate(
        model="gpt-image-1-mini",
        prompt="A sticker of a lighthouse",
        size="1024x1024",
        quality="low",
        background="transparent",
        output_format="png",
    )


def dialogue(c: openai.AzureOpenAI) -> bytes:
    """Two spoken lines with 1.5 s of silence between them, as one WAV."""
    import io
    import wave

    frames, params = [], None
    for voice in ("alloy", "onyx"):
        clip = c.audio.speech.create(model="tts", voice=voice, input=SPEECH_INPUT, response_format="wav")
        with wave.open(io.BytesIO(clip.content)) as part:
            params = part.getparams()
            frames.append(part.readframes(part.getnframes()))
    assert params is not None
    out = io.BytesIO()
    with wave.open(out, "wb") as joined:
        joined.setparams(params)
        joined.writeframes(frames[0] + b"\x00" * (2 * int(params.framerate * 1.5)) + frames[1])
    return out.getvalue()


def transcript_diarized(c: openai.AzureOpenAI) -> Any:
    return c.audio.transcriptions.create(
        model="gpt-4o-transcribe-diarize", file=("dialogue.wav", dialogue(c)), response_format="diarized_json"
    )


def transcript_stream(c: openai.AzureOpenAI) -> TranscriptStream:
    events = c.audio.transcriptions.create(
        model="gpt-4o-mini-transcribe", file=("speech.wav", speech(c).content), stream=True
    )
    return TranscriptStream(events, live=False).wait()


def speech_sse(c: openai.AzureOpenAI) -> Any:
    return c.audio.speech.create(
        model="gpt-4o-mini-tts", voice="coral", input=SPEECH_INPUT, response_format="wav", stream_format="sse"
    )


def fails(call: Callable[[openai.AzureOpenAI], Any]) -> Callable[[openai.AzureOpenAI], openai.APIError]:
    def run(c: openai.AzureOpenAI) -> openai.APIError:
        try:
            call(c.with_options(max_retries=0))
        except openai.APIError as exc:
            return exc
        raise AssertionError("expected the call to fail")

    return run


def _chat_with(headers: dict[str, str], model: str = "gpt-4o-mini") -> Callable[[openai.AzureOpenAI], Any]:
    return lambda c: c.chat.completions.create(model=model, messages=HELLO, extra_headers=headers)  # type: ignore[arg-type]


error_prompt_filtered = fails(_chat_with({"x-aoai-nb-filter": "prompt:violence=high"}))
error_rate_limited = fails(_chat_with({"x-aoai-nb-fault": "429"}))
error_deployment_not_found = fails(_chat_with({}, model="no-such-deployment"))
error_images_policy = fails(
    lambda c: c.images.generate(
        model="dall-e-3", prompt="A rabbit", extra_headers={"x-aoai-nb-filter": "prompt:violence=high"}
    )
)

CASES: dict[str, Callable[[openai.AzureOpenAI], Any]] = {
    "chat": chat,
    "chat_output_cut": chat_output_cut,
    "completion": completion,
    "embeddings": embeddings,
    "images_b64": images_b64,
    "images_url": images_url,
    "speech": speech,
    "transcript": transcript,
    "stream": stream,
    "chat_reasoning": chat_reasoning,
    "images_gpt": images_gpt,
    "transcript_diarized": transcript_diarized,
    "transcript_stream": transcript_stream,
    "speech_sse": speech_sse,
    "error_prompt_filtered": error_prompt_filtered,
    "error_rate_limited": error_rate_limited,
    "error_deployment_not_found": error_deployment_not_found,
    "error_images_policy": error_images_policy,
}
