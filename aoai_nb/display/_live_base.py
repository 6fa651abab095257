"""What every live view shares: a stream consumed once while one output updates in place.

``LiveView`` holds where the live output goes (a ``Sink``: a notebook ``display_id``, plain printing, or nothing
with ``live=False``), the clock, the throttle (every text piece is written at once, the whole view is updated at
most once per ``min_interval_s``), the start and first-text times, the request id from the response headers and
the error that stopped the stream. Subclasses fold their own events and call ``_begin`` and ``_show_piece``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Self, TypedDict

from aoai_nb.display._base import View
from aoai_nb.display._env import Environment, NullSink, Sink, default_sink


class LiveOptions(TypedDict, total=False):
    """The keyword options every live view takes; see ``LiveView``."""

    live: bool
    sink: Sink | None
    env: Environment | None
    clock: Callable[[], float]
    min_interval_s: float


class LiveView(View):
    """``live=False`` shows nothing; ``sink`` / ``env`` choose where live output goes; ``clock`` and
    ``min_interval_s`` control timing and update rate."""

    def __init__(
        self,
        source: Any,
        *,
        live: bool = True,
        sink: Sink | None = None,
        env: Environment | None = None,
        clock: Callable[[], float] = time.perf_counter,
        min_interval_s: float = 0.1,
    ) -> None:
        self._source = source
        self._sink: Sink = sink or (default_sink(env) if live else NullSink())
        self._clock = clock
        self._min_interval_s = min_interval_s
        self._last_update = float("-inf")
        self.done = False
        self.error: BaseException | None = None
        self.started_at: float | None = None
        self.first_token_at: float | None = None
        headers = getattr(getattr(source, "response", None), "headers", None)
        self.request_id: str | None = headers.get("x-request-id") if headers is not None else None

    def __iter__(self) -> Iterator[str]:
        raise NotImplementedError

    @property
    def ttft_s(self) -> float | None:
        """Seconds from the start of consumption to the first text piece (headers were already in)."""
        if self.started_at is None or self.first_token_at is None:
            return None
        return self.first_token_at - self.started_at

    def wait(self) -> Self:
        """Consume a sync stream to the end (live), then return self."""
        for _ in self:
            pass
        return self

    def _begin(self) -> None:
        self.started_at = self._clock()
        self._sink.start(self)

    def _show_piece(self, piece: str) -> float:
        """Write a new text piece live (the view already holds it); update the whole view when
        ``min_interval_s`` has passed since the last update. Returns the time it arrived."""
        now = self._clock()
        self.first_token_at = self.first_token_at if self.first_token_at is not None else now
        self._sink.write(piece)
        if now - self._last_update >= self._min_interval_s:
            self._last_update = now
            self._sink.update(self)
        return now

    def _error_html(self) -> list[str]:
        """The error that stopped the stream, explained (``explain``), or nothing."""
        if self.error is None:
            return []
        from aoai_nb.display._errors import explain

        return [explain(self.error).to_html()]
