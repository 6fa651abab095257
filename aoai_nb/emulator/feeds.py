"""An engine's generation handed to the event loop item by item, for streams (see docs/emulator.md).

A non-instant engine's generation runs in one producer thread per streamed choice: the thread calls the engine
(which may work first, e.g. load its model), iterates the generation and appends each item to a queue; it wakes
the event loop (``loop.call_soon_threadsafe``) only when the stream is waiting for an item, not for items that
arrive while the stream holds a write back (``stream_flush_ms``). That replaces a worker-thread hop per item
(``anyio.to_thread``, ~0.1-0.2 ms of CPU each, taken from the cores the model computes on) with at most one
wake-up of the loop. Only the producer touches the generator (one running in a thread cannot be closed from
another): ``close()`` tells it to stop, and after the item in progress it closes the generation itself (the
engine's ``finally`` runs there) and ends. A generation that declares ``close_from_any_thread`` (the local
model's) is also closed by ``close()`` at once, so a client that leaves stops it even while it waits for its next
token. An instant engine's generation is iterated on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Protocol

from aoai_nb.emulator.cancel import closes_from_any_thread
from aoai_nb.emulator.engine_errors import ENGINE_ERRORS, as_azure_error, azure_engine_errors
from aoai_nb.emulator.engines.base import Engine, Finish, Planned, TextDelta
from aoai_nb.emulator.runtime import is_instant

log = logging.getLogger("aoai_nb.emulator")
Item = TextDelta | Finish
Start = Callable[[], Iterator[Item]]  # calls the engine: returns one choice's generation
PRODUCER_THREAD = "aoai-nb-stream"


class Feed(Protocol):
    async def next(self) -> Item:
        """The generation's next item; engine errors arrive as Azure errors (400, 503)."""
        ...

    def close(self) -> None:
        """Stop the generation (idempotent; never blocks)."""
        ...

    def ready(self) -> bool:
        """Whether ``next()`` would return without waiting for the engine."""
        ...


def open_feed(engine: Engine, start: Start) -> Feed:
    if is_instant(engine):
        with azure_engine_errors():
            return LoopFeed(start())
    return ThreadFeed(start)


class Feeds:
    """Every feed one streamed response opens, all closed when the response ends, however it ends."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.opened: list[Feed] = []

    def open(self, start: Start) -> Feed:
        feed = open_feed(self.engine, start)
        self.opened.append(feed)
        return feed

    def close(self) -> None:
        for feed in self.opened:
            feed.close()


def _ended() -> RuntimeError:
    return RuntimeError("engine generation ended without a Finish item")


def _close(items: Iterator[Item]) -> None:
    close = getattr(items, "close", None)
    if close is not None:
        close()


class LoopFeed:
    """An instant engine's generation, iterated on the event loop."""

    def __init__(self, items: Iterator[Item]) -> None:
        self._items = items

    def next_now(self) -> Item:
        """``next()`` without a coroutine: an instant engine's next item is computed right here."""
        try:  # (not azure_engine_errors(): a context manager per token costs more than the token)
            item = next(self._items, None)
        except ENGINE_ERRORS as exc:
            raise as_azure_error(exc) from None
        if item is None:
            raise _ended()
        return item

    def take_texts(self, limit: int) -> tuple[list[str], Finish | None] | None:
        """The next ``limit`` texts at most (and the Finish when it fits) when the engine planned them all
        (``Planned.take_texts``); else None: take items one by one."""
        return self._items.take_texts(limit) if isinstance(self._items, Planned) else None

    async def next(self) -> Item:
        return self.next_now()

    def close(self) -> None:
        _close(self._items)

    def ready(self) -> bool:
        return True  # an instant engine computes its next item on demand


class ThreadFeed:
    """A generation iterated by its own daemon thread (started at once, on the running event loop)."""

    def __init__(self, start: Start) -> None:
        self._start = start
        self._loop = asyncio.get_running_loop()
        self._items: deque[Item | Exception | None] = deque()  # None: the generation ended
        self._lock = threading.Lock()
        self._waiter: asyncio.Future[None] | None = None  # set while next() waits for the producer
        self._stop = threading.Event()
        self._closable: Iterator[Item] | None = None  # the generation, when it may be closed from here
        self.thread = threading.Thread(target=self._produce, name=PRODUCER_THREAD, daemon=True)
        self.thread.start()

    def _produce(self) -> None:
        items: Iterator[Item] | None = None
        try:
            items = self._start()
            if closes_from_any_thread(items):
                self._closable = items
                if self._stop.is_set():  # closed while the engine was starting
                    _close(items)
            for item in items:
                self._hand(item)
                if isinstance(item, Finish) or self._stop.is_set():
                    break
        except Exception as exc:  # raised again in the event loop, where the stream reports it
            self._hand(exc)
        finally:
            if items is not None:
                try:
                    _close(items)
                except Exception:
                    log.exception("closing an engine generation failed")
            self._hand(None)

    def _hand(self, item: Item | Exception | None) -> None:
        """Queue ``item``; wake the event loop only when next() is waiting (not for items it will find)."""
        if self._stop.is_set():
            return
        with self._lock:
            self._items.append(item)
            waiter, self._waiter = self._waiter, None
        if waiter is not None:
            try:
                self._loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # the event loop has closed (the emulator stopped): nobody is reading
                self._stop.set()

    async def next(self) -> Item:
        with self._lock:
            if not self._items:
                self._waiter = self._loop.create_future()
            waiter = self._waiter
        if waiter is not None:
            try:
                await waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if isinstance(item, Exception):
            with azure_engine_errors():
                raise item
        if item is None:
            raise _ended()
        return item

    def close(self) -> None:
        self._stop.set()
        if self._closable is not None:  # stops it even while the producer waits for its next item
            _close(self._closable)

    def ready(self) -> bool:
        return bool(self._items)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():  # cancelled when the response ended first
        waiter.set_result(None)
