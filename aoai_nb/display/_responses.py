"""A Responses API result as a view: the output text (markdown), function calls, the reasoning summary, status,
usage, content-filter results and the request id."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import FilterReport, as_dict
from aoai_nb.display._usage import describe_usage

WITHHELD = "(no text: the content filter withheld this output)"


@dataclass(frozen=True)
class FunctionCallView:
    name: str
    arguments: str  # JSON text
    call_id: str = ""


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def output_parts(output: Any) -> tuple[str, str, tuple[FunctionCallView, ...], str]:
    """(text, refusal, function calls, reasoning summary) from a Response's ``output`` items."""
    texts: list[str] = []
    refusals: list[str] = []
    calls: list[FunctionCallView] = []
    summaries: list[str] = []
    for item in output or []:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    texts.append(str(part.get("text") or ""))
                elif isinstance(part, Mapping) and part.get("type") == "refusal":
                    refusals.append(str(part.get("refusal") or ""))
        elif kind == "function_call":
            calls.append(
                FunctionCallView(
                    str(item.get("name", "")), str(item.get("arguments", "")), str(item.get("call_id", ""))
                )
            )
        elif kind == "reasoning":
            summaries += [str(s.get("text", "")) for s in item.get("summary") or [] if isinstance(s, Mapping)]
    return "".join(texts), "\n".join(refusals), tuple(calls), "\n".join(summaries)


def status_text(status: str | None, incomplete: Any, error: Any) -> str:
    """``completed``, ``incomplete (content_filter)``, ``failed (server_error: ...)``."""
    text = status or "unknown"
    if isinstance(incomplete, Mapping) and incomplete.get("reason"):
        text += f" ({incomplete['reason']})"
    if isinstance(error, Mapping) and (error.get("code") or error.get("message")):
        text += f" ({error.get('code') or 'error'}: {error.get('message') or ''})"
    return text


@dataclass(frozen=True, repr=False)
class ResponseView(View):
    """One Response (``client.responses.create/retrieve/parse``)."""

    text: str
    status: str
    function_calls: tuple[FunctionCallView, ...] = ()
    reasoning_summary: str = ""
    refusal: str = ""
    model: str = ""
    id: str = ""
    created: float | None = None
    previous_response_id: str | None = None
    usage: Any = None
    filter_report: FilterReport | None = None
    request_id: str | None = None

    @classmethod
    def from_response(cls, response: Any) -> ResponseView:
        data = as_dict(response)
        text, refusal, calls, summary = output_parts(data.get("output"))
        return cls(
            text=text,
            status=status_text(data.get("status"), data.get("incomplete_details"), data.get("error")),
            function_calls=calls,
            reasoning_summary=summary,
            refusal=refusal,
            model=str(data.get("model") or ""),
            id=str(data.get("id") or ""),
            created=data.get("created_at"),
            previous_response_id=data.get("previous_response_id"),
            usage=getattr(response, "usage", None) or data.get("usage"),
            filter_report=FilterReport.from_response(data),
            request_id=getattr(response, "_request_id", None),
        )

    def __repr__(self) -> str:
        calls = f" {len(self.function_calls)} function calls" if self.function_calls else ""
        return f"<ResponseView {self.model or '?'} {self.status} {len(self.text)} chars{calls}>"

    @property
    def withheld(self) -> bool:
        return not self.text and "content_filter" in self.status

    def _meta(self) -> list[str]:
        created = ""
        if self.created:
            created = dt.datetime.fromtimestamp(int(self.created), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        meta = [
            f"model: {self.model}" if self.model else "",
            f"id: {self.id}" if self.id else "",
            f"previous: {self.previous_response_id}" if self.previous_response_id else "",
            f"created: {created}" if created else "",
            f"request id: {self.request_id}" if self.request_id else "",
        ]
        return [m for m in meta if m]

    def _filter_line(self) -> str:
        report = self.filter_report
        if report is None:
            return ""
        summary = report.summary()
        return report.status + (f" ({summary})" if summary else "")

    def _show_filters(self) -> bool:
        report = self.filter_report
        return report is not None and (bool(report.results) or not report.passed)

    def to_text(self) -> str:
        lines = [f"response · status={self.status}"]
        if self.reasoning_summary:
            lines.append(f"reasoning summary: {self.reasoning_summary}")
        if self.text:
            lines.append(self.text)
        elif self.withheld:
            lines.append(WITHHELD)
        if self.refusal:
            lines.append(f"refusal: {self.refusal}")
        lines += [f"function call: {c.name}({c.arguments})" for c in self.function_calls]
        lines.append("")
        if self._show_filters():
            lines.append(f"filters: {self._filter_line()}")
        usage = describe_usage(self.usage)
        if usage:
            lines.append(f"usage: {usage}")
        lines += self._meta()
        return "\n".join(lines).strip("\n")

    def to_html(self) -> str:
        kind = (
            "ok" if self.status == "completed" else "warn" if self.status.startswith("incomplete") else "info"
        )
        if self.status.startswith(("failed", "cancelled")):
            kind = "bad"
        parts: list[str] = [h.line(h.badge(f"response: {self.status}", kind))]
        if self.reasoning_summary:
            parts.append(h.line(h.badge("reasoning summary"), h.esc(self.reasoning_summary), muted=True))
        if self.text:
            parts.append(h.markdown_html(self.text))
        elif self.withheld:
            parts.append(h.line(h.Raw(f"<i>{h.esc(WITHHELD)}</i>")))
        if self.refusal:
            parts.append(h.line(h.badge("refusal", "warn"), h.esc(self.refusal)))
        for call in self.function_calls:
            parts.append(h.line(h.badge("function call"), h.Raw(f"<code>{h.esc(call.name)}</code>")))
            parts.append(h.pre(_pretty_json(call.arguments)))
        if self._show_filters() and self.filter_report is not None:
            parts.append(self.filter_report.inline_html())
        footer = [describe_usage(self.usage), *self._meta()]
        parts.append(h.line(h.esc(" · ".join(f for f in footer if f)), muted=True))
        return h.box(*parts)
