"""Stopping engine work whose client has gone (a non-streamed request that timed out, a closed connection).

A ``Cancel`` is set from the event loop when the client disconnects (``Runtime.run(..., cancel=...)`` watches
the ASGI receive channel for ``http.disconnect``). Engine work in a worker thread sees it two ways: ``guard()``
wraps a generation so that it stops at its next item (closing the generation in its own thread, so the engine's
``finally`` runs), and every generation it guards is also closed at once from the event loop, which the local
model's ``CancellableGeneration`` (``close_from_any_thread = True``) turns into llama.cpp stopping at its next
token even while the worker waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised in the worker thread: the client has gone, so the work's result would be thrown away."""


class Cancel:
    """A thread-safe flag plus close callbacks, run once when it is set."""

    def __init__(self) -> None:
        self._set = (
            False  # written under the lock, read without it (a bool read is atomic); nobody waits on it
        )
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    def set(self) -> None:
        with self._lock:
            if self._set:
                return
            self._set = True
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            _quietly(callback)

    def is_set(self) -> bool:
        return self._set

    def check(self) -> None:
        """Raise Cancelled when set (call between units of work)."""
        if self._set:
            raise Cancelled()

    def on_set(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the flag is set (at once when it is already)."""
        with self._lock:
            if not self._set:
                self._callbacks.append(callback)
                return
        _quietly(callback)

    def guard(self, items: Iterator[T]) -> Iterator[T]:
        """``items``, stopping with Cancelled at the next item once set; the generation is closed either way."""
        close = getattr(items, "close", None)
        if close is not None and closes_from_any_thread(items):
            self.on_set(close)  # the local engine's: stops it mid-wait, from the event loop
        try:
            for item in items:
                self.check()
                yield item
        finally:
            if close is not None:
                _quietly(close)


def closes_from_any_thread(items: object) -> bool:
    """Generations that declare ``close_from_any_thread = True`` may be closed while another thread iterates
    them (a plain generator may not: "generator already executing")."""
    return getattr(items, "close_from_any_thread", False) is True


def _quietly(callback: Callable[[], None]) -> None:
    try:
        callback()
    except ValueError:  # "generator already executing": it runs in another thread, which stops it itself
        pass
