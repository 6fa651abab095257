"""Chat and legacy completion results as views: the reply first, then finish reason, filters, usage, ids."""

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
class ChoiceView:
    index: int
    text: str
    finish_reason: str | None
    role: str = "assistant"
    refusal: str | None = None
    tool_calls: tuple[tuple[str, str], ...] = ()  # (name, arguments JSON)


def _tool_calls(message: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    calls = []
    for call in message.get("tool_calls") or []:
        function = (call.get("function") or {}) if isinstance(call, Mapping) else {}
        calls.append((str(function.get("name", "")), str(function.get("arguments", ""))))
    legacy = message.get("function_call")
    if isinstance(legacy, Mapping):
        calls.append((str(legacy.get("name", "")), str(legacy.get("arguments", ""))))
    return tuple(calls)


def _pretty_json(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


@dataclass(frozen=True, repr=False)
class ChatView(View):
    """A chat completion (``kind="chat"``) or a legacy text completion (``kind="completion"``)."""

    choices: tuple[ChoiceView, ...]
    model: str = ""
    id: str = ""
    created: int | None = None
    usage: Any = None
    filter_report: FilterReport | None = None
    request_id: str | None = None
    kind: str = "chat"

    @classmethod
    def from_response(cls, response: Any) -> ChatView:
        data = as_dict(response)
        kind = "completion" if data.get("object") == "text_completion" else "chat"
        choices = []
        for position, choice in enumerate(data.get("choices") or []):
            message = choice.get("message") or {}
            text = choice.get("text") if kind == "completion" else message.get("content")
            choices.append(
                ChoiceView(
                    index=int(choice.get("index", position) or 0),
                    text=str(text or ""),
                    finish_reason=choice.get("finish_reason"),
                    role=str(message.get("role") or "assistant"),
                    refusal=message.get("refusal"),
                    tool_calls=_tool_calls(message),
                )
            )
        report = FilterReport.from_completion(data)
        return cls(
            tuple(sorted(choices, key=lambda c: c.index)),
            model=str(data.get("model") or ""),
            id=str(data.get("id") or ""),
            created=data.get("created"),
            usage=getattr(response, "usage", None) or data.get("usage"),
            filter_report=report,
            request_id=getattr(response, "_request_id", None),
            kind=kind,
        )

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""

    def __repr__(self) -> str:
        finish = self.choices[0].finish_reason if self.choices else None
        return f"<ChatView {self.kind} {self.model or '?'} finish_reason={finish} {len(self.text)} chars>"

    def _meta(self) -> list[str]:
        created = ""
        if self.created:
            created = dt.datetime.fromtimestamp(int(self.created), dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return [
            f"model: {self.model}" if self.model else "",
            f"id: {self.id}" if self.id else "",
            f"created: {created}" if created else "",
            f"request id: {self.request_id}" if self.request_id else "",
        ]

    def _choice_head(self, c: ChoiceView) -> str:
        who = c.role if self.kind == "chat" else "completion"
        number = f" [choice {c.index}]" if len(self.choices) > 1 else ""
        return f"{who}{number} · finish_reason={c.finish_reason}"

    def to_text(self) -> str:
        lines: list[str] = []
        for c in self.choices:
            lines.append(self._choice_head(c))
            if c.text:
                lines.append(c.text)
            elif c.finish_reason == "content_filter":
                lines.append(WITHHELD)
            if c.refusal:
                lines.append(f"refusal: {c.refusal}")
            lines += [f"tool call: {name}({args})" for name, args in c.tool_calls]
            lines.append("")
        report = self.filter_report
        if report is not None and (report.results or not report.passed):
            lines.append(f"filters: {self._filter_line()}")
        usage = describe_usage(self.usage)
        if usage:
            lines.append(f"usage: {usage}")
        lines += [m for m in self._meta() if m]
        return "\n".join(lines).strip("\n")

    def _filter_line(self) -> str:
        report = self.filter_report
        if report is None:
            return "no filter results"
        summary = report.summary()
        return report.status + (f" ({summary})" if summary else "")

    def to_html(self) -> str:
        parts: list[str] = []
        for c in self.choices:
            parts.append(h.line(h.esc(self._choice_head(c)), muted=True))
            if c.text:
                parts.append(h.markdown_html(c.text) if self.kind == "chat" else h.pre(c.text))
            elif c.finish_reason == "content_filter":
                parts.append(h.line(h.Raw(f"<i>{h.esc(WITHHELD)}</i>")))
            if c.refusal:
                parts.append(h.line(h.badge("refusal", "warn"), h.esc(c.refusal)))
            for name, args in c.tool_calls:
                parts.append(h.line(h.badge("tool call"), h.Raw(f"<code>{h.esc(name)}</code>")))
                parts.append(h.pre(_pretty_json(args)))
        report = self.filter_report
        if report is not None and (report.results or not report.passed):
            parts.append(report.inline_html())
        footer = [describe_usage(self.usage)] + self._meta()
        parts.append(h.line(h.esc(" · ".join(f for f in footer if f)), muted=True))
        return h.box(*parts)
