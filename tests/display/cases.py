"""Real responses and errors obtained through the SDK from the scripted emulator, one function per golden case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai

from aoai_nb.display._live import StreamResult
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
    "error_prompt_filtered": error_prompt_filtered,
    "error_rate_limited": error_rate_limited,
    "error_deployment_not_found": error_deployment_not_found,
    "error_images_policy": error_images_policy,
}
