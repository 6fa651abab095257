"""Admission to engines with a fixed number of generation slots (the local model: two): past the slots plus a
bounded queue, a request gets Azure's "high demand" 429 at once, with ``retry-after-ms``, instead of waiting
behind everyone (measured before this: time to first token p50 48 s with 8 concurrent streams).

A request holds its place from its engine call until its response has been sent (a stream: until its last
chunk), released by the gateway. Engines declare ``slots``; engines over one shared model (the local chat and
completion engines share ``runtime``) share one count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from aoai_nb.emulator.faults import busy_error

MIN_RETRY_AFTER_MS = 1_000
MAX_RETRY_AFTER_MS = 60_000


@dataclass
class _Load:
    active: int = 0  # requests generating or waiting for a slot
    mean_seconds: float = 5.0  # a request's time in the engine, smoothed over recent ones


class Admission:
    def __init__(self) -> None:
        self._loads: dict[int, _Load] = {}

    def enter(self, engine: object, max_queued: int) -> Callable[[], None] | None:
        """Take a place for one request, or raise the 429; returns the release (None: no slot limit)."""
        slots = getattr(engine, "slots", None)
        if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
            return None
        load = self._loads.setdefault(id(getattr(engine, "runtime", engine)), _Load())
        if load.active >= slots + max_queued:
            raise busy_error(self.retry_after_ms(load, slots))
        load.active += 1
        started = time.monotonic()

        def release() -> None:
            load.active -= 1
            load.mean_seconds = 0.8 * load.mean_seconds + 0.2 * (time.monotonic() - started)

        return release

    @staticmethod
    def retry_after_ms(load: _Load, slots: int) -> int:
        """About when a place frees up: the queue ahead, served ``slots`` at a time."""
        wait = load.mean_seconds * 1000 * max(1, load.active - slots + 1) / slots
        return int(min(MAX_RETRY_AFTER_MS, max(MIN_RETRY_AFTER_MS, wait)))

    def active(self, engine: object) -> int:
        load = self._loads.get(id(getattr(engine, "runtime", engine)))
        return load.active if load else 0
