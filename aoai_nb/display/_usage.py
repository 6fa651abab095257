"""Token usage: one row per call and running totals, for a cell or a whole session.

``show()`` records every response it renders into the session tracker (:func:`session_usage`), once per
response; ``usage_table()`` shows it. Trackers are plain value objects; pandas is imported only by
``to_dataframe()``.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@dataclass(frozen=True)
class UsageRow:
    kind: str  # chat | completion | embeddings | stream | ...
    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    request_id: str | None = None
    at: float = 0.0  # time.time() when recorded
    reasoning_tokens: int = 0  # part of completion_tokens: tokens a reasoning model thought with


def reasoning_tokens(usage: Any) -> int | None:
    """``completion_tokens_details.reasoning_tokens`` (Responses: ``output_tokens_details``), None if absent."""
    if usage is None:
        return None
    data = usage if isinstance(usage, Mapping) else getattr(usage, "__dict__", {})
    details = data.get("completion_tokens_details", data.get("output_tokens_details"))
    if details is None:
        return None
    value = (
        details.get("reasoning_tokens")
        if isinstance(details, Mapping)
        else getattr(details, "reasoning_tokens", None)
    )
    return int(value) if isinstance(value, int) else None


def usage_counts(usage: Any) -> tuple[int, int, int] | None:
    """(prompt, completion, total) from a usage object or dict (chat, completions, embeddings), else None."""
    if usage is None:
        return None
    data = usage if isinstance(usage, Mapping) else getattr(usage, "__dict__", {})
    prompt = data.get("prompt_tokens", data.get("input_tokens"))
    completion = data.get("completion_tokens", data.get("output_tokens")) or 0
    total = data.get("total_tokens")
    if prompt is None and total is None:
        return None
    prompt = int(prompt or 0)
    return prompt, int(completion), int(total if total is not None else prompt + int(completion))


def describe_usage(usage: Any) -> str:
    """``12 prompt + 8 completion = 20 tokens`` (plus cached / reasoning tokens when reported)."""
    counts = usage_counts(usage)
    if counts is None:
        return ""
    data = usage if isinstance(usage, Mapping) else getattr(usage, "__dict__", {})
    if data.get("completion_tokens", data.get("output_tokens")) is None:  # embeddings: input tokens only
        return f"{counts[0]} prompt tokens"
    text = f"{counts[0]} prompt + {counts[1]} completion = {counts[2]} tokens"
    cached = getattr(getattr(usage, "prompt_tokens_details", None), "cached_tokens", None)
    reasoning = reasoning_tokens(usage)
    extras = [f"{cached} cached" if cached else "", f"{reasoning} reasoning" if reasoning else ""]
    extras = [e for e in extras if e]
    return text + (f" ({', '.join(extras)})" if extras else "")


@dataclass(frozen=True, repr=False)
class UsageView(View):
    """One call's usage."""

    usage: Any

    def __repr__(self) -> str:
        return f"<UsageView {describe_usage(self.usage) or 'no usage'}>"

    def to_text(self) -> str:
        return f"usage: {describe_usage(self.usage) or 'not reported'}"

    def to_html(self) -> str:
        return h.box(h.line(h.esc(self.to_text())))


class UsageTracker(View):
    """Rows of token usage with running totals. Thread-safe; ``record`` ignores a response it already saw."""

    HEADERS = ("#", "kind", "model", "prompt", "completion", "total", "running total", "request id")

    def __init__(self) -> None:
        self._rows: list[UsageRow] = []
        self._seen: set[str] = set()
        self._seen_objects: dict[int, weakref.ref[Any]] = {}  # responses with neither id nor request id
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<UsageTracker {h.plural(len(self._rows), 'call')}, {self.total_tokens} tokens>"

    @property
    def rows(self) -> tuple[UsageRow, ...]:
        return tuple(self._rows)

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self._rows)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self._rows)

    @property
    def total_tokens(self) -> int:
        return sum(r.total_tokens for r in self._rows)

    def add(
        self,
        usage: Any,
        *,
        kind: str,
        model: str = "",
        request_id: str | None = None,
        key: str | None = None,
    ) -> UsageRow | None:
        """Add one call's usage; ``key`` (a response id) makes repeated adds of the same response count once."""
        counts = usage_counts(usage)
        if counts is None:
            return None
        with self._lock:
            if key is not None:
                if key in self._seen:
                    return None
                self._seen.add(key)
            row = UsageRow(
                kind,
                model,
                *counts,
                request_id=request_id,
                at=time.time(),
                reasoning_tokens=reasoning_tokens(usage) or 0,
            )
            self._rows.append(row)
            return row

    def record(self, response: Any, *, kind: str | None = None) -> UsageRow | None:
        """Add the usage of an SDK response (chat, completion, embeddings) or a stream result."""
        usage = getattr(response, "usage", None)
        if usage is None:
            return None
        request_id = getattr(response, "request_id", None) or getattr(response, "_request_id", None)
        response_id = getattr(response, "id", None)
        key = f"{response_id}|{request_id}" if response_id or request_id else None
        if key is None and self._saw_object(response):
            return None
        kind = kind or _kind(getattr(response, "object", "") or "", type(response).__name__)
        return self.add(
            usage, kind=kind, model=str(getattr(response, "model", "") or ""), request_id=request_id, key=key
        )

    def _saw_object(self, response: Any) -> bool:
        """Whether this very object was recorded before (it has no id to tell it by); remembers it if not."""
        key = id(response)
        with self._lock:
            seen = self._seen_objects
            known = seen.get(key)
            if known is not None and known() is response:
                return True

            def forget(ref: weakref.ref[Any]) -> None:  # no lock: the collector may call it inside one
                if seen.get(key) is ref:
                    seen.pop(key, None)

            try:
                seen[key] = weakref.ref(response, forget)
            except TypeError:  # not weak-referenceable: counted each time, as before
                pass
            return False

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()
            self._seen.clear()
            self._seen_objects = {}

    @property
    def reasoning_tokens(self) -> int:
        return sum(r.reasoning_tokens for r in self._rows)

    def _headers(self) -> tuple[str, ...]:
        """The columns; ``reasoning`` (a part of ``completion``) only once a reasoning model was called."""
        if not self.reasoning_tokens:
            return self.HEADERS
        at = self.HEADERS.index("completion") + 1
        return (*self.HEADERS[:at], "of which reasoning", *self.HEADERS[at:])

    def _table_rows(self) -> list[tuple[object, ...]]:
        running = 0
        out: list[tuple[object, ...]] = []
        with_reasoning = bool(self.reasoning_tokens)
        for number, r in enumerate(self._rows, 1):
            running += r.total_tokens
            reasoning: tuple[object, ...] = (r.reasoning_tokens,) if with_reasoning else ()
            out.append(
                (
                    number,
                    r.kind,
                    r.model,
                    r.prompt_tokens,
                    r.completion_tokens,
                    *reasoning,
                    r.total_tokens,
                    running,
                    r.request_id or "",
                )
            )
        return out

    def _totals(self) -> str:
        reasoning = f" (of which {self.reasoning_tokens} reasoning)" if self.reasoning_tokens else ""
        return (
            f"{h.plural(len(self._rows), 'call')}: {self.prompt_tokens} prompt + {self.completion_tokens} completion"
            f"{reasoning} = {self.total_tokens} tokens"
        )

    def to_text(self) -> str:
        head = f"usage: {self._totals()}"
        return head if not self._rows else head + "\n" + h.plain_table(self._headers(), self._table_rows())

    def to_html(self) -> str:
        parts = [h.line(h.badge("usage"), h.esc(self._totals()))]
        if self._rows:
            parts.append(h.table(self._headers(), self._table_rows()))
        return h.box(*parts)

    def to_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self._rows], columns=list(UsageRow.__dataclass_fields__))


def _kind(object_name: str, type_name: str = "") -> str:
    if type_name == "ImagesResponse":
        return "images"
    if type_name.startswith("Transcription"):
        return "transcription"
    return {
        "chat.completion": "chat",
        "text_completion": "completion",
        "list": "embeddings",
        "chat.completion.chunk": "stream",
    }.get(object_name, object_name or "call")


_SESSION = UsageTracker()


def session_usage() -> UsageTracker:
    """The session-wide tracker that ``show()``, the stream view, ``%%chat`` and the chat widget record into."""
    return _SESSION


def usage_table() -> UsageTracker:
    """The session's usage as a displayable table (alias of :func:`session_usage`, named for notebooks)."""
    return _SESSION
