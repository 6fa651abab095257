"""One streaming object, live and replayable: ``StreamResult`` wraps a chat, legacy-completion or Responses
API stream (Responses events are folded by ``_responses_live``).

Iterating yields choice 0's text deltas as they arrive while one output updates in place (a notebook
``display_id``; plain printing elsewhere); iterating again replays them. When the stream ends, ``.text``,
``.finish_reason``, ``.usage``, ``.filter_report``, ``.request_id``, ``.ttft_s`` and ``.tokens_per_s`` are set.
Azure's quirks are expected: an empty-``choices`` first chunk carrying ``prompt_filter_results``,
annotation-only chunks, a ``content_filter`` finish and a ``choices: []`` usage chunk. Works with ``Stream``
and ``AsyncStream`` (``async for`` / ``await``) and with plain iterables of chunks or dicts.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import contextmanager
from typing import Any, Unpack

from aoai_nb.display import _html as h
from aoai_nb.display import _responses_live
from aoai_nb.display._filters import FilterReport, as_dict
from aoai_nb.display._live_base import LiveOptions, LiveView
from aoai_nb.display._usage import UsageTracker, describe_usage, session_usage, usage_counts


class StreamResult(LiveView):
    """A chat/completions stream, consumed once (live) and replayable; see the module docstring.

    ``tracker`` receives the usage (the session tracker by default); the other options are ``LiveView``'s
    (``live``, ``sink``, ``env``, ``clock``, ``min_interval_s``).
    """

    def __init__(
        self, source: Any, *, tracker: UsageTracker | None = None, **options: Unpack[LiveOptions]
    ) -> None:
        super().__init__(source, **options)
        self._tracker = tracker if tracker is not None else session_usage()
        self._deltas: list[str] = []
        self._texts: dict[int, str] = {}
        self._tool_calls: dict[tuple[int, int], dict[str, str]] = {}
        self._filter = FilterReport(source="stream")  # merged as chunks arrive
        self.finish_reasons: dict[int, str] = {}  # Responses streams: the final status
        self.reasoning_summary = ""  # Responses streams of reasoning models
        self.usage: Any = None
        self.id = ""
        self.model = ""
        self.kind = "chat"
        self.chunks = 0
        self.content_chunks = 0
        self.aborted = False  # the consumer stopped early (break)
        self.last_token_at: float | None = None
        self.ended_at: float | None = None

    # --- results -------------------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        return self._texts.get(0, "")

    @property
    def texts(self) -> dict[int, str]:
        return dict(sorted(self._texts.items()))

    @property
    def finish_reason(self) -> str | None:
        return self.finish_reasons.get(0)

    @property
    def filter_report(self) -> FilterReport:
        return self._filter

    @property
    def tool_calls(self) -> list[dict[str, str]]:
        return [self._tool_calls[k] for k in sorted(self._tool_calls)]

    @property
    def completion_tokens(self) -> int | None:
        counts = usage_counts(self.usage)
        return counts[1] if counts else None

    @property
    def tokens_per_s(self) -> float | None:
        """Completion tokens per second after the first token (usage if reported, else content chunks)."""
        if self.first_token_at is None or self.last_token_at is None:
            return None
        span = self.last_token_at - self.first_token_at
        tokens = self.completion_tokens or self.content_chunks
        return (tokens - 1) / span if span > 0 and tokens > 1 else None

    # --- consumption ---------------------------------------------------------------------------------------

    def __iter__(self) -> Iterator[str]:
        if self._over():
            return iter(list(self._deltas))
        if hasattr(self._source, "__aiter__") and not hasattr(self._source, "__iter__"):
            raise TypeError("This is an async stream: use `async for delta in result` or `await result`.")
        return self._consume()

    def _consume(self) -> Generator[str]:
        self._begin()
        try:
            with self._recording_the_end():
                for chunk in self._source:
                    delta = self._take(chunk)
                    if delta:
                        yield delta
        finally:
            self._close_unfinished()

    @contextmanager
    def _recording_the_end(self) -> Iterator[None]:
        """Note how consumption ended: aborted by the consumer (``GeneratorExit``), or by an error (kept)."""
        try:
            yield
        except GeneratorExit:
            self.aborted = True
            raise
        except Exception as exc:
            self.error = exc
            raise

    def _close_unfinished(self) -> Any:
        """Close the source when it was not read to its end; returns what ``close()`` returned (maybe awaitable)."""
        if self._finished():
            return None
        close = getattr(self._source, "close", None)
        return close() if callable(close) else None

    async def __aiter__(self) -> AsyncIterator[str]:
        if self._over():
            for delta in list(self._deltas):
                yield delta
            return
        self._begin()
        try:
            with self._recording_the_end():
                async for chunk in self._source:
                    delta = self._take(chunk)
                    if delta:
                        yield delta
        finally:
            pending = self._close_unfinished()
            if inspect.isawaitable(pending):
                await pending

    async def await_all(self) -> StreamResult:
        async for _ in self:
            pass
        return self

    def __await__(self) -> Generator[Any, None, StreamResult]:
        return self.await_all().__await__()

    def _over(self) -> bool:
        return self.done or self.aborted or self.error is not None

    def _finished(self) -> bool:
        """Record the end; True when the stream ran to its end (nothing left to close)."""
        self.ended_at = self._clock()
        self.done = self.error is None and not self.aborted
        if self.done and self.usage is not None:
            kinds = {"chat": "stream", "responses": "responses stream"}
            self._tracker.record(self, kind=kinds.get(self.kind, "completion stream"))
        self._sink.finish(self)
        return self.done

    def _take(self, chunk: Any) -> str:
        """Fold one chunk in; return choice 0's new text (may be empty)."""
        data = as_dict(chunk)
        self.chunks += 1
        if _responses_live.is_response_event(data):
            text = _responses_live.fold(self, data, chunk)
            self._texts[0] = self._texts.get(0, "") + text
            return self._took(text)
        self.id = self.id or str(data.get("id") or "")
        self.model = self.model or str(data.get("model") or "")
        self.request_id = self.request_id or getattr(chunk, "_request_id", None)
        if data.get("object") == "text_completion":
            self.kind = "completion"
        if data.get("usage"):
            self.usage = getattr(chunk, "usage", None) or data["usage"]
        report = FilterReport.from_chunk(data)
        if report.results or not report.passed:
            self._filter = FilterReport.merge(self._filter, report, source="stream")
        new_text = ""
        for position, choice in enumerate(data.get("choices") or []):
            index = int(choice.get("index", position) or 0)
            delta = choice.get("delta") or {}
            piece = choice.get("text") if self.kind == "completion" else delta.get("content")
            for call in delta.get("tool_calls") or []:
                self._fold_tool_call(index, call)
            if choice.get("finish_reason"):
                self.finish_reasons[index] = str(choice["finish_reason"])
            if piece:
                self._texts[index] = self._texts.get(index, "") + piece
                if index == 0:
                    new_text += piece
        return self._took(new_text)

    def _took(self, new_text: str) -> str:
        """Time, record and show choice 0's new text."""
        if new_text:
            self.content_chunks += 1
            self._deltas.append(new_text)
            self.last_token_at = self._show_piece(new_text)
        return new_text

    def _fold_tool_call(self, choice: int, call: Any) -> None:
        slot = self._tool_calls.setdefault(
            (choice, int(call.get("index", 0) or 0)), {"id": "", "name": "", "arguments": ""}
        )
        function = call.get("function") or {}
        slot["id"] = slot["id"] or str(call.get("id") or "")
        slot["name"] += str(function.get("name") or "")
        slot["arguments"] += str(function.get("arguments") or "")

    # --- rendering -----------------------------------------------------------------------------------------

    def _state(self) -> str:
        if self.error is not None:
            return f"stopped by {type(self.error).__name__}"
        if self.aborted:
            return "stopped early by the consumer"
        if not self.done:
            return "streaming…" if self.started_at is not None else "not started"
        label = "status" if self.kind == "responses" else "finish_reason"
        return f"{label}={self.finish_reason}"

    def _verdict_pending(self) -> bool:
        """True until the stream has ended: the output is judged as it arrives, so "passed" would be early.
        A blocked prompt or a cut output is final at once."""
        return not self.done and self.filter_report.passed

    def _pending_label(self) -> str:
        if self.started_at is not None and not self._over():
            return "pending (the output is judged until the stream ends)"
        return "not judged to the end (the stream stopped early)"

    def footer_text(self, *, with_filters: bool = True) -> str:
        parts = [self._state()]
        if self.done:
            parts.append(f"ttft {self.ttft_s:.2f} s" if self.ttft_s is not None else "")
            rate = self.tokens_per_s
            unit = "tokens/s" if self.completion_tokens else "chunks/s"
            parts.append(f"{rate:.1f} {unit}" if rate is not None else "")
            parts.append(describe_usage(self.usage) or "usage not reported (stream_options include_usage)")
        report = self.filter_report
        if with_filters and (report.results or not report.passed):
            if self._verdict_pending():
                parts.append(f"filters: {self._pending_label()}")
            else:
                summary = report.summary()
                parts.append(f"filters: {report.status}" + (f" ({summary})" if summary else ""))
        if self.request_id:
            parts.append(f"request id: {self.request_id}")
        return " · ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<StreamResult {self._state()} {len(self.text)} chars>"

    def to_text(self) -> str:
        calls = [f"tool call: {c['name']}({c['arguments']})" for c in self.tool_calls]
        summary = [f"reasoning summary: {self.reasoning_summary}"] if self.reasoning_summary else []
        return "\n".join([*summary, self.text, *calls, "", self.footer_text()]).lstrip("\n")

    def to_html(self) -> str:
        parts: list[str] = []
        if self.reasoning_summary:
            parts.append(h.line(h.badge("reasoning summary"), h.esc(self.reasoning_summary), muted=True))
        parts.append(h.markdown_html(self.text) if self.kind != "completion" else h.pre(self.text))
        parts += [h.pre(f"tool call: {c['name']}({c['arguments']})") for c in self.tool_calls]
        report = self.filter_report
        if report.results or not report.passed:
            pending = self._verdict_pending()
            badge = h.line(h.badge(f"content filter: {self._pending_label()}", "info"))
            parts.append(badge if pending else report.inline_html())
        parts += self._error_html()
        parts.append(h.line(h.esc(self.footer_text(with_filters=False)), muted=True))
        return h.box(*parts)


def stream(source: Any, **options: Any) -> Any:
    """Show a stream live and return its :class:`StreamResult` when it ends.

    Sync streams are consumed now; for an ``AsyncStream`` this returns an awaitable: ``r = await stream(s)``.
    Options are :class:`StreamResult`'s (``live``, ``sink``, ``env``, ``tracker``).
    """
    result = StreamResult(source, **options)
    if hasattr(source, "__aiter__") and not hasattr(source, "__iter__"):
        return result.await_all()
    return result.wait()
