"""Batch jobs readable inline: status, request counts with a progress bar, errors, and a table of results.

``BatchView.of(batch, results)`` renders a Batch object (SDK model or dict); ``results`` is the content of its
output or error file (bytes, text, ``client.files.content(...)``) or rows from :func:`parse_results`.
``batch_results(client, batch)`` reads both files into a pandas DataFrame, one row per ``custom_id``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import as_dict

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

FINISHED = frozenset({"completed", "failed", "cancelled", "expired"})
STATUS_KIND = {
    "completed": "ok",
    "failed": "bad",
    "expired": "bad",
    "cancelled": "warn",
    "cancelling": "warn",
}
RESULT_HEADERS = ("custom_id", "status", "answer", "finish", "tokens")
TABLE_ROWS = 20  # results shown in the view; the DataFrame has them all


@dataclass(frozen=True)
class ResultRow:
    """One line of a batch output or error file, flattened."""

    custom_id: str | None
    status_code: int | None
    content: str | None  # the answer's text (chat or responses), None for an error
    finish_reason: str | None
    total_tokens: int | None
    error: str | None  # "code: message" for a failed line
    body: dict[str, Any] | None  # the full response body


def _text_of(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(answer text, finish reason) of a chat completion or a Responses body."""
    choices = body.get("choices")
    if isinstance(choices, list) and choices:
        first = choices[0] if isinstance(choices[0], Mapping) else {}
        message = first.get("message") or {}
        content = message.get("content")
        if content is None and message.get("tool_calls"):
            names = [c.get("function", {}).get("name", "?") for c in message["tool_calls"]]
            content = "(tool calls: " + ", ".join(names) + ")"
        return content, first.get("finish_reason")
    output = body.get("output")
    if isinstance(output, list):  # Responses: the output_text parts of the message items
        texts = [
            part.get("text", "")
            for item in output
            if isinstance(item, Mapping) and item.get("type") == "message"
            for part in item.get("content") or []
            if isinstance(part, Mapping) and part.get("type") == "output_text"
        ]
        return "".join(texts), body.get("status")
    return None, None


def parse_line(record: Mapping[str, Any]) -> ResultRow:
    response = record.get("response") if isinstance(record.get("response"), Mapping) else None
    error = record.get("error") if isinstance(record.get("error"), Mapping) else None
    body = response.get("body") if response and isinstance(response.get("body"), Mapping) else None
    status = response.get("status_code") if response else None
    content = finish = message = None
    tokens = None
    if body is not None and "error" in body and isinstance(body["error"], Mapping):
        inner = body["error"]
        message = f"{inner.get('code')}: {inner.get('message')}"
    elif body is not None:
        content, finish = _text_of(body)
        usage = body.get("usage") or {}
        tokens = usage.get("total_tokens") if isinstance(usage, Mapping) else None
    if error is not None:
        message = f"{error.get('code')}: {error.get('message')}"
    custom_id = record.get("custom_id")
    return ResultRow(
        custom_id if isinstance(custom_id, str) else None,
        status if isinstance(status, int) else None,
        content,
        finish,
        tokens,
        message,
        dict(body) if body is not None else None,
    )


def _content_bytes(content: Any) -> bytes:
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content)
    if isinstance(content, str):
        return content.encode("utf-8")
    data = getattr(content, "content", None)  # the SDK's HttpxBinaryResponseContent
    if isinstance(data, bytes):
        return data
    raise TypeError(
        f"Batch results come as JSONL bytes or text, or client.files.content(...), not {type(content)}."
    )


def parse_results(content: Any) -> list[ResultRow]:
    """Every line of an output or error file (bytes, str, ``client.files.content(...)`` or parsed dicts)."""
    if isinstance(content, list):
        return [item if isinstance(item, ResultRow) else parse_line(item) for item in content]
    lines = _content_bytes(content).decode("utf-8").splitlines()
    return [parse_line(json.loads(line)) for line in lines if line.strip()]


def looks_like_results(content: Any) -> bool:
    """Whether downloaded file content is a batch output/error file (its first line has ``custom_id``)."""
    try:
        first = _content_bytes(content).split(b"\n", 1)[0]
        record = json.loads(first) if first.lstrip().startswith(b"{") else None
    except (TypeError, ValueError):
        return False
    return isinstance(record, dict) and "custom_id" in record and "response" in record


def _clock(stamp: Any) -> str:
    return time.strftime("%H:%M:%S", time.localtime(stamp)) if isinstance(stamp, int | float) else ""


@dataclass(frozen=True, repr=False)
class BatchView(View):
    """A batch's status, counts (with a progress bar), timeline, files, errors and (optionally) results."""

    data: Mapping[str, Any]
    results: tuple[ResultRow, ...] = ()

    @classmethod
    def of(cls, batch: Any = None, results: Any = None) -> BatchView:
        rows = tuple(parse_results(results)) if results is not None else ()
        return cls(as_dict(batch) if batch is not None else {}, rows)

    def __repr__(self) -> str:
        return f"<BatchView {self.data.get('id', 'results')} {self.data.get('status', '')}>"

    @property
    def counts(self) -> tuple[int, int, int]:
        counts = self.data.get("request_counts") or {}
        return (
            int(counts.get("total") or 0),
            int(counts.get("completed") or 0),
            int(counts.get("failed") or 0),
        )

    def progress(self) -> float:
        total, completed, failed = self.counts
        if self.data.get("status") == "completed":
            return 1.0
        return (completed + failed) / total if total else 0.0

    def _timeline(self) -> list[tuple[str, str]]:
        steps = [
            "created",
            "in_progress",
            "finalizing",
            "completed",
            "failed",
            "cancelling",
            "cancelled",
            "expired",
        ]
        return [(s, _clock(self.data.get(f"{s}_at"))) for s in steps if self.data.get(f"{s}_at") is not None]

    def _errors(self) -> list[tuple[str, str, str]]:
        errors = self.data.get("errors") or {}
        items = errors.get("data") if isinstance(errors, Mapping) else None
        return [
            (str(e.get("code")), "" if e.get("line") is None else str(e.get("line")), str(e.get("message")))
            for e in items or []
            if isinstance(e, Mapping)
        ]

    def _result_rows(self) -> list[tuple[str, str, str, str, str]]:
        rows = []
        for r in self.results[:TABLE_ROWS]:
            answer = r.error if r.error is not None else (r.content or "")
            status = "" if r.status_code is None else str(r.status_code)
            tokens = "" if r.total_tokens is None else str(r.total_tokens)
            rows.append(
                (r.custom_id or "(none)", status or "-", h.shorten(answer, 70), r.finish_reason or "", tokens)
            )
        return rows

    def _more(self) -> str:
        hidden = len(self.results) - TABLE_ROWS
        return (
            f"... and {hidden} more (batch_results() returns them all as a DataFrame)" if hidden > 0 else ""
        )

    def summary(self) -> str:
        total, completed, failed = self.counts
        status = self.data.get("status", "?")
        return f"{status}: {completed} completed, {failed} failed of {total} requests ({self.progress():.0%})"

    def to_text(self) -> str:
        parts: list[str] = []
        if self.data:
            bar = int(round(self.progress() * 20))
            parts.append(
                f"batch {self.data.get('id')}  {self.data.get('endpoint', '')}  {self.data.get('model') or ''}"
            )
            parts.append(f"{self.summary()}  [{'#' * bar}{'.' * (20 - bar)}]")
            timeline = "  ".join(f"{name} {at}" for name, at in self._timeline())
            if timeline:
                parts.append(timeline)
            files = [
                f"{k}: {self.data[k]}"
                for k in ("input_file_id", "output_file_id", "error_file_id")
                if self.data.get(k)
            ]
            if files:
                parts.append(", ".join(files))
            errors = self._errors()
            if errors:
                parts.append("errors:\n" + h.plain_table(("code", "line", "message"), errors))
        if self.results:
            parts.append(h.plain_table(RESULT_HEADERS, self._result_rows()))
            if self._more():
                parts.append(self._more())
        return "\n".join(parts)

    def to_html(self) -> str:
        parts: list[str] = []
        if self.data:
            status = str(self.data.get("status", "?"))
            parts.append(
                h.line(
                    h.badge("batch"),
                    h.badge(status, STATUS_KIND.get(status, "info")),
                    h.esc(self.data.get("id", "")),
                    h.esc(self.data.get("endpoint", "")),
                    h.esc(self.data.get("model") or ""),
                )
            )
            total, completed, failed = self.counts
            done = f"{self.progress() * 100:.0f}%"
            bar = (
                '<div style="background:#eaeef2;border-radius:4px;height:10px;width:24em;margin:4px 0">'
                f'<div style="background:#1a7f37;height:10px;border-radius:4px;width:{done}"></div></div>'
            )
            parts.append(h.Raw(bar))
            parts.append(h.line(h.esc(self.summary())))
            timeline = " · ".join(f"{h.esc(name)} {h.esc(at)}" for name, at in self._timeline())
            parts.append(h.line(timeline, muted=True))
            files = [
                (k, self.data[k])
                for k in ("input_file_id", "output_file_id", "error_file_id")
                if self.data.get(k)
            ]
            if files:
                parts.append(h.kv_table(files))
            errors = self._errors()
            if errors:
                parts.append(h.table(("code", "line", "message"), errors))
        if self.results:
            parts.append(h.table(RESULT_HEADERS, self._result_rows()))
            if self._more():
                parts.append(h.line(h.esc(self._more()), muted=True))
        return h.box(*parts)


def _file_rows(client: Any, file_id: str | None) -> list[ResultRow]:
    if not file_id:
        return []
    return parse_results(client.files.content(file_id))


def batch_results(client: Any, batch: Any) -> pd.DataFrame:
    """Both result files of a finished batch as one DataFrame, one row per ``custom_id`` (output lines, then
    error lines): ``custom_id, status_code, content, finish_reason, total_tokens, error, body``. Join it to
    the DataFrame you built the input from with ``df.merge(results, on="custom_id")``."""
    import pandas as pd

    if isinstance(batch, str):
        batch = client.batches.retrieve(batch)
    data = as_dict(batch)
    if data.get("status") not in FINISHED:
        raise ValueError(
            f"Batch {data.get('id')} is {data.get('status')!r}: its result files exist once it has finished; "
            "wait with watch_batch(client, batch_id) first."
        )
    rows = _file_rows(client, data.get("output_file_id")) + _file_rows(client, data.get("error_file_id"))
    columns = ["custom_id", "status_code", "content", "finish_reason", "total_tokens", "error", "body"]
    return pd.DataFrame([[getattr(r, c) for c in columns] for r in rows], columns=columns)


def batch_view(batch: Any = None, results: Any = None) -> BatchView:
    """A batch (SDK Batch or dict) with, optionally, its results (``client.files.content(output_file_id)``,
    JSONL bytes or text); ``show(batch_view(batch, content))`` shows the status and a table of the answers."""
    return BatchView.of(batch, results)
