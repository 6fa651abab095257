"""The real local model stops generating when its client leaves (llama.cpp has two slots: an abandoned call
would block everyone)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import openai
import pytest

from aoai_nb.emulator.engines import EngineSet
from aoai_nb.emulator.engines.base import ChatRequest, Finish, TextDelta

from .helpers import skip_without_local_models

pytestmark = [pytest.mark.local_models, skip_without_local_models()]
MESSAGES = [{"role": "user", "content": "Write a very long story about a lighthouse keeper and the sea."}]


class _Counted:
    """The local chat engine's generation, counting the deltas it yields; closing stays thread-safe."""

    close_from_any_thread = True

    def __init__(self, inner: Any, counter: _CountingChat) -> None:
        self.inner, self.counter = inner, counter

    def __iter__(self) -> _Counted:
        return self

    def __next__(self) -> TextDelta | Finish:
        item: TextDelta | Finish = next(self.inner)
        with self.counter.lock:
            self.counter.deltas += isinstance(item, TextDelta)
        return item

    def close(self) -> None:
        self.inner.close()
        self.counter.closed.set()


class _CountingChat:
    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.slots = inner, inner.name, inner.slots
        self.runtime = inner.runtime  # shares the completion engine's slots, as the real one does
        self.lock = threading.Lock()
        self.deltas = 0
        self.closed = threading.Event()

    def chat(self, request: ChatRequest, choice_index: int = 0) -> _Counted:
        return _Counted(self.inner.chat(request, choice_index), self)


def test_a_client_that_times_out_stops_the_local_models_generation(local_engines: EngineSet) -> None:
    from aoai_nb.emulator import Emulator

    counting = _CountingChat(local_engines.chat)
    with Emulator(engines=replace(local_engines, chat=counting)) as emu:
        args: dict[str, Any] = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0}
        with openai.AzureOpenAI(
            azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=0
        ) as client:
            client.chat.completions.create(**args, max_tokens=3)  # loads the model
            counting.closed.clear()
            before = counting.deltas
            with pytest.raises(openai.APITimeoutError):
                client.with_options(timeout=1.0).chat.completions.create(**args, max_tokens=1500)
        assert counting.closed.wait(1.0), "the generation was not closed within a second"
        time.sleep(0.5)
        stopped_at = counting.deltas
        time.sleep(0.5)
        assert counting.deltas == stopped_at  # nothing more after the close
        assert stopped_at - before < 1500
        assert emu.status()["requests"]["abandoned"] == 1
