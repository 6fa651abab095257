"""A slow fake chat engine that counts what it generates: for disconnect, saturation and event-loop tests."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from aoai_nb.emulator.engines import EngineSet, load_engine_set
from aoai_nb.emulator.engines.base import ChatRequest, Finish, TextDelta


class SlowGeneration:
    """Like the local model's generation: ``first_delay`` before the first token (a prompt being read, or a
    queue), then a token every ``every`` seconds; ``close()`` works from any thread, even mid-wait."""

    close_from_any_thread = True

    def __init__(self, engine: SlowChat, tokens: int) -> None:
        self.engine, self.left = engine, tokens
        self.stop = threading.Event()
        self.first = True

    def __iter__(self) -> SlowGeneration:
        return self

    def __next__(self) -> TextDelta | Finish:
        delay = self.engine.first_delay if self.first else self.engine.every
        self.first = False
        if self.stop.wait(delay) or self.left < 0:
            self.close()
            raise StopIteration
        self.left -= 1
        if self.left < 0:
            return Finish("stop", prompt_tokens=1, completion_tokens=self.engine.tokens)
        with self.engine.lock:
            self.engine.produced += 1
        return TextDelta("tick ")

    def close(self) -> None:
        if not self.stop.is_set():
            self.stop.set()
            with self.engine.lock:
                self.engine.closed += 1


class SlowChat:
    """Not instant (runs in worker threads, as a real model does); ``slots`` like the local engine's."""

    name = "fake:slow"

    def __init__(self, tokens: int = 200, every: float = 0.02, first_delay: float = 0.0, slots: int = 0):
        self.tokens, self.every, self.first_delay = tokens, every, first_delay
        if slots:
            self.slots = slots
        self.lock = threading.Lock()
        self.produced = 0  # tokens generated so far, over every request
        self.closed = 0  # generations closed (finished, stopped or abandoned)
        self.started = 0

    def chat(self, request: ChatRequest, choice_index: int = 0) -> SlowGeneration:
        with self.lock:
            self.started += 1
        return SlowGeneration(self, self.tokens)

    def settled(self, timeout: float = 5.0) -> int:
        """Wait until no token has been produced for a few token intervals; the count then."""
        deadline = time.monotonic() + timeout
        last = -1
        while time.monotonic() < deadline:
            if self.produced == last:
                return last
            last = self.produced
            time.sleep(self.every * 5)
        raise AssertionError("the engine kept generating")


def engines_with(chat: Any) -> EngineSet:
    return replace(load_engine_set("scripted"), chat=chat)
