"""Batch lines served in-process give back their engine place (admission slots) like HTTP requests do: a
batch longer than the slots and queue of a slot-limited engine (the local model's) must not leave it answering
429 to everyone after."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, Finish, TextDelta
from aoai_nb.emulator.inprocess import serve
from aoai_nb.emulator.routes import text as routes_text
from aoai_nb.emulator.runtime import Runtime


class OneSlotChat:
    """The scripted chat engine declaring one generation slot, as the local model declares two."""

    instant = True
    slots = 1

    def __init__(self) -> None:
        self.inner = load_engine_set("scripted").chat
        self.name = self.inner.name

    def chat(self, request: ChatRequest, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        return self.inner.chat(request, choice_index)


def test_in_process_lines_free_their_engine_place() -> None:
    engine = OneSlotChat()
    engines = replace(load_engine_set("scripted"), chat=engine)
    config = EmulatorConfig.default()
    rt = Runtime(config, "key", True, "scripted", engines)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    lines = engine.slots + config.max_queued_generations + 3

    async def run() -> list[int]:
        return [
            (await serve(rt, "chat/completions", routes_text.chat, body, "2024-10-21"))[0]
            for _ in range(lines)
        ]

    assert asyncio.run(run()) == [200] * lines
    assert rt.admission.active(engine) == 0
