"""Engines for emulator tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

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
