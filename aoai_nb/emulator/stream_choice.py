"""One streamed choice: its deltas from a feed, the output filter's cut (``output_cut``), and the grouping of
its content events into writes (``stream_flush_ms``). Chat and completion streams (streams.py) and the Responses
API's (responses_events.py) stream every choice through it."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio

from aoai_nb.emulator.cancel import Cancel
from aoai_nb.emulator.engines.base import Finish, TextDelta
from aoai_nb.emulator.feeds import Feed, Feeds, Item, LoopFeed, Start
from aoai_nb.emulator.output_cut import OutputCut, counts_as_cut
from aoai_nb.emulator.output_cut import completion_tokens as counted_tokens
from aoai_nb.emulator.runtime import Call, Runtime, is_instant
from aoai_nb.emulator.wire import Annotation, choice_filter_result, dumps, dumps_each

MAX_EVENTS_PER_WRITE = 64
SLOT = "\x00aoai-nb-slot\x00"  # a string no engine produces, marking where an event's text goes
Render = Callable[[TextDelta], bytes]  # one content event's bytes for a delta


class DeltaTemplate:
    """An event's bytes with ``SLOT`` (encoded once) replaced by a delta's text, JSON-encoded: the same bytes
    as encoding the whole event again, since JSON encodes a string the same wherever it stands."""

    __slots__ = ("_before", "_after", "_between")

    def __init__(self, event: bytes) -> None:
        before, slot, after = event.partition(dumps(SLOT))
        if not slot:
            raise ValueError("the event has no slot")
        self._before, self._after, self._between = before, after, after + before

    def __call__(self, delta: TextDelta) -> bytes:
        return b"".join((self._before, dumps(delta.text), self._after))

    def many(self, texts: list[str]) -> bytes:
        """The events of ``texts`` one after another, as one piece of bytes (nothing for no texts)."""
        if not texts:
            return b""
        return b"".join((self._before, self._between.join(dumps_each(texts)), self._after))


class Choice:
    """Streams one choice: passes deltas through, cuts it when the output filter fires.

    Where it is cut and what usage then counts follow ``output_cut`` (the rule collected answers follow too).
    """

    def __init__(self, rt: Runtime, call: Call, feed: Feed, first: Item) -> None:
        self.rt, self.call, self.feed = rt, call, feed
        self.pending: Item | None = first
        self.finish: Finish | None = None
        self.cut: Annotation | None = None
        self.cut_early = False  # cut before the engine's Finish arrived
        self.error: Exception | None = None  # an engine error met while taking deltas (take())
        self.texts: list[str] = []  # one per delta sent
        self.rule = OutputCut(rt, call)
        self.may_cut = self.rule.may_cut_early  # (read once: these are checked per delta)
        self.paced = rt.config.per_token_ms > 0
        # an instant engine's choice that nothing paces or cuts: its deltas are taken in a plain loop (take())
        self.takeable = isinstance(feed, LoopFeed) and not self.paced and not self.may_cut

    @classmethod
    async def open(cls, rt: Runtime, call: Call, feeds: Feeds, start: Start) -> Choice:
        """Start the engine's generation and wait for its first item (an engine error there raises here)."""
        feed = feeds.open(start)
        try:
            first = await feed.next()
        except BaseException:
            feed.close()
            raise
        return cls(rt, call, feed, first)

    @property
    def deltas(self) -> int:
        return len(self.texts)

    def ready(self) -> bool:
        """Whether the next delta exists already (a paced stream's next delta does not: it waits its turn)."""
        return not self.paced and (self.pending is not None or self.feed.ready())

    def take(self, render: Render, limit: int) -> bytes:
        """A ``takeable`` choice's next ``limit`` deltas at most, rendered as one write (empty once only the
        Finish is left; then ``finish`` is set): what ``deltas_until_done`` yields, without a coroutine per
        delta; with a ``DeltaTemplate`` and a planned generation, without a call per delta either."""
        assert isinstance(self.feed, LoopFeed) and self.takeable
        if self.error is not None:  # raised after the deltas before it were sent
            error, self.error = self.error, None
            raise error
        parts: list[bytes] = []
        taken = 0
        template = render if isinstance(render, DeltaTemplate) else None
        try:
            while taken < limit and self.finish is None:
                bulk = None
                if self.pending is None and template is not None:
                    bulk = self.feed.take_texts(limit - taken)
                if bulk is not None and template is not None:
                    texts, self.finish = bulk
                    self.texts += texts
                    parts.append(template.many(texts))
                    taken += len(texts)
                    continue
                item, self.pending = self.pending, None
                if item is None:
                    item = self.feed.next_now()
                if isinstance(item, Finish):
                    self.finish = item
                    break
                self.texts.append(item.text)
                parts.append(render(item))
                taken += 1
        except Exception as exc:
            if not parts:
                raise
            self.error = exc
        return b"".join(parts)

    async def _next(self) -> Item:
        item, self.pending = self.pending, None
        return item if item is not None else await self.feed.next()

    async def deltas_until_done(self) -> AsyncIterator[TextDelta]:
        per_token = self.rt.config.per_token_ms / 1000
        while not isinstance(item := await self._next(), Finish):
            if per_token > 0:
                await anyio.sleep(per_token)
            self.texts.append(item.text)
            yield item
            if self.may_cut and (cut := await self.rule.after_delta(self.texts)) is not None:
                self.cut, self.cut_early = cut, True
                return
        self.finish = item

    @property
    def check_due(self) -> bool:
        """Whether the heuristic checks the output before the next delta (what is sent goes out first)."""
        return self.may_cut and self.rule.check_due(self.deltas)

    async def judge(self) -> None:
        """Once every delta is sent: the output filter's verdict on the reply (``final_texts``), unless it cut
        already."""
        if self.finish is None or self.cut is not None:
            return
        annotation = await self.rule.at_end(self.texts)
        if counts_as_cut(annotation, self.finish):
            self.cut = annotation

    async def drain(self) -> None:
        """After an early cut, let the engine run to its Finish without sending anything: only the Finish
        knows the prompt's token count (asked for only when the stream reports usage)."""
        while self.finish is None:
            if isinstance(item := await self._next(), Finish):
                self.finish = item

    def close(self) -> None:
        self.feed.close()

    def completion_tokens(self) -> int:
        return counted_tokens(self.deltas, self.cut_early, self.finish)

    def finish_reason(self) -> str:
        return (
            "content_filter" if self.cut is not None else self.finish.finish_reason if self.finish else "stop"
        )

    def final_filter_results(self) -> dict[str, Any]:
        return choice_filter_result(self.cut) if self.cut is not None else {}


async def open_first(rt: Runtime, call: Call, feeds: Feeds, start: Start) -> Choice:
    """The first choice, once its first item exists. A model may take long to get there (a queue, a long
    prompt): a client that leaves meanwhile stops the generation and gets no response (before the response
    starts, only this watch notices; afterwards the streaming response does)."""
    if is_instant(feeds.engine):
        return await Choice.open(rt, call, feeds, start)
    cancel = Cancel()
    cancel.on_set(feeds.close)
    return await rt.unless_gone(call, functools.partial(Choice.open, rt, call, feeds, start), cancel)


async def content_writes(choice: Choice, render: Render) -> AsyncIterator[bytes]:
    """The choice's content events (one per delta, as before), grouped into writes.

    The first delta goes out at once. After a write, the next one waits until ``stream_flush_ms`` have passed
    since it, then carries every delta that exists by then; deltas that are already waiting join the current
    write at once. Fewer writes and reads save CPU on both ends of the connection (on a 2-core machine that CPU
    comes from the model); no delta waits longer than the window. Azure's default filter mode also releases
    content in batches. A paced stream (``per_token_ms``) writes every delta when it is due.
    """
    window = 0.0 if choice.paced else choice.rt.config.stream_flush_ms / 1000
    group: list[bytes] = []
    last_write = -math.inf
    try:
        if choice.takeable:  # every delta exists already: writes of MAX_EVENTS_PER_WRITE
            while choice.finish is None:
                if write := choice.take(render, MAX_EVENTS_PER_WRITE):
                    yield write
            return
        async for delta in choice.deltas_until_done():
            group.append(render(delta))
            if len(group) < MAX_EVENTS_PER_WRITE and not choice.check_due:
                if choice.ready():
                    continue
                wait = last_write + window - time.monotonic()
                if wait > 0:
                    await anyio.sleep(wait)
                    if choice.ready():
                        continue
            yield b"".join(group)
            group.clear()
            last_write = time.monotonic()
    except Exception:
        if group:  # what was generated before an engine error is still sent, then the error event
            yield b"".join(group)
        raise
    if group:
        yield b"".join(group)
