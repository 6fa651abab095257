"""Helpers for emulator tests: engines with a known behaviour, and streamed-request shortcuts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

import httpx2

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, Finish, TextDelta


class Repeated:
    """The scripted chat engine saying its reply ``times`` times: longer than the filter's check interval."""

    instant = True

    def __init__(self, times: int = 3) -> None:
        self.inner = load_engine_set("scripted").chat
        self.name = self.inner.name
        self.times = times

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        items = list(self.inner.chat(request, choice_index))
        finish = items[-1]
        assert isinstance(finish, Finish)
        yield from [item for item in items if isinstance(item, TextDelta)] * self.times
        yield replace(finish, completion_tokens=finish.completion_tokens * self.times)


CHAT_PATH = "/openai/deployments/gpt-4o-mini/chat/completions"


def chat_stream(
    raw: httpx2.Client, body: dict[str, Any], headers: dict[str, str] | None = None
) -> AbstractContextManager[httpx2.Response]:
    """A streamed chat request to gpt-4o-mini on api-version 2024-10-21, for a ``with`` block."""
    return raw.stream(
        "POST", CHAT_PATH, params={"api-version": "2024-10-21"}, json=body, headers=headers or {}
    )


def sse_data(text: str) -> list[str]:
    """The ``data:`` payloads of an SSE body, in order (``[DONE]`` included)."""
    return [block[len("data: ") :] for block in text.split("\n\n") if block]
