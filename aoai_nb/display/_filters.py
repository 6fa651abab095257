"""Azure OpenAI content-filter results, whatever shape they arrive in, as one ``FilterReport``.

Shapes understood (see ``azure-openai-wire.md`` §5-7):

- a chat or legacy completion (SDK object or dict): top-level ``prompt_filter_results`` and per-choice
  ``content_filter_results``; ``finish_reason == "content_filter"`` means the output was cut;
- a stream chunk: the same keys (the first Azure chunk has ``choices: []`` and only ``prompt_filter_results``),
  annotation-only chunks, and V1's top-level ``content_filter_results``;
- an error: the 400 wire body (``innererror.content_filter_result``), the spec body
  (``inner_error.content_filter_results``), the images ``content_policy_violation``; as an ``openai`` exception or
  a dict, with or without the outer ``{"error": ...}``;
- an images response: per item ``content_filter_results`` and ``prompt_filter_results``;
- a Responses API result: Azure's ``content_filters`` list and ``incomplete_details.reason``.

Parsing is pure; rendering is pure string building; nothing here touches IPython.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View

SEVERITY_RANK = {"safe": 0, "low": 1, "medium": 2, "high": 3}
FILTER_ERROR_CODES = frozenset({"content_filter", "content_policy_violation", "contentFilter"})
POLICY_CODE = "ResponsibleAIPolicyViolation"


@dataclass(frozen=True)
class FilterResult:
    """One category's verdict for one prompt or one output (choice / image)."""

    scope: str  # "prompt" | "output"
    index: int  # prompt_index, choice index or image index
    category: str  # hate, sexual, violence, self_harm, jailbreak, protected_material_code, ...
    filtered: bool
    severity: str | None = None  # safe | low | medium | high (severity categories)
    detected: bool | None = None  # detection categories (jailbreak, profanity, protected material, ...)
    detail: str = ""  # citation, blocklist ids, filter error message

    @property
    def flagged(self) -> bool:
        """Filtered, detected, or above ``safe``: worth mentioning in a one-line summary."""
        return self.filtered or bool(self.detected) or SEVERITY_RANK.get(self.severity or "safe", 0) > 0

    @property
    def verdict(self) -> str:
        if self.severity is not None:
            return self.severity
        if self.detected is not None:
            return "detected" if self.detected else "not detected"
        return "filtered" if self.filtered else "ok"


def as_dict(obj: Any) -> dict[str, Any]:
    """An SDK model (Azure extras included, via ``model_dump``) or a mapping as a plain dict; else ``{}``."""
    if isinstance(obj, Mapping):
        return dict(obj)
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        result = dump()
        return result if isinstance(result, dict) else {}
    return {}


def _detail(category: str, value: Mapping[str, Any]) -> str:
    citation = value.get("citation")
    if isinstance(citation, Mapping):
        parts = [f"{k}: {citation[k]}" for k in ("URL", "url", "license") if citation.get(k)]
        return "; ".join(parts)
    details = value.get("details")
    if isinstance(details, list):
        ids = [
            str(d.get("id"))
            for d in details
            if isinstance(d, Mapping) and (d.get("filtered") or d.get("detected"))
        ]
        return ", ".join(ids)
    if category == "error":
        return f"{value.get('code', '')}: {value.get('message', '')}".strip(": ")
    return ""


def parse_results(results: Any, scope: str, index: int) -> list[FilterResult]:
    """``{"hate": {"filtered": false, "severity": "safe"}, ...}`` -> rows (unknown keys kept, sorted by name)."""
    rows: list[FilterResult] = []
    if not isinstance(results, Mapping):
        return rows
    for category in sorted(results):
        value = results[category]
        if not isinstance(value, Mapping):
            continue
        detected = value.get("detected")
        rows.append(
            FilterResult(
                scope=scope,
                index=index,
                category=str(category),
                filtered=bool(value.get("filtered", False)),
                severity=str(value["severity"]) if value.get("severity") is not None else None,
                detected=bool(detected) if detected is not None else None,
                detail=_detail(str(category), value),
            )
        )
    return rows


def _merge_one(a: FilterResult, b: FilterResult) -> FilterResult:
    worst = a.severity
    if b.severity is not None and SEVERITY_RANK.get(b.severity, 0) >= SEVERITY_RANK.get(a.severity or "", -1):
        worst = b.severity
    detected = None if a.detected is None and b.detected is None else bool(a.detected) or bool(b.detected)
    return replace(
        a, filtered=a.filtered or b.filtered, severity=worst, detected=detected, detail=a.detail or b.detail
    )


@dataclass(frozen=True, repr=False)
class FilterReport(View):
    """Every content-filter verdict of one request, with a headline: passed, prompt blocked or output cut."""

    results: tuple[FilterResult, ...] = ()
    prompt_blocked: bool = False
    output_cut: bool = False
    source: str = "completion"  # completion | chunk | stream | error | images | response
    code: str | None = None  # error code when the request was refused (content_filter, ...)
    message: str = ""  # the service's message when the request was refused
    revised_prompt: str | None = None
    cut_choices: tuple[int, ...] = field(default=())

    # --- parsing -------------------------------------------------------------------------------------------

    @classmethod
    def from_completion(cls, completion: Any, *, source: str = "completion") -> FilterReport:
        """A chat or legacy completion, or one stream chunk (SDK object or dict)."""
        data = as_dict(completion)
        rows: list[FilterResult] = []
        prompt_results = data.get("prompt_filter_results") or data.get("prompt_annotations") or []
        for position, item in enumerate(prompt_results if isinstance(prompt_results, list) else []):
            if isinstance(item, Mapping):
                index = int(item.get("prompt_index", position) or 0)
                rows += parse_results(item.get("content_filter_results"), "prompt", index)
        rows += parse_results(data.get("content_filter_results"), "output", 0)  # V1 chunk top level
        cut: list[int] = []
        for position, choice in enumerate(data.get("choices") or []):
            if not isinstance(choice, Mapping):
                continue
            index = int(choice.get("index", position) or 0)
            rows += parse_results(choice.get("content_filter_results"), "output", index)
            if choice.get("finish_reason") == "content_filter":
                cut.append(index)
        output_cut = bool(cut) or any(r.filtered for r in rows if r.scope == "output")
        prompt_blocked = any(r.filtered for r in rows if r.scope == "prompt")
        return cls(_merged(rows), prompt_blocked, output_cut, source, cut_choices=tuple(cut))

    @classmethod
    def from_chunk(cls, chunk: Any) -> FilterReport:
        return cls.from_completion(chunk, source="chunk")

    @classmethod
    def from_chunks(cls, chunks: Iterable[Any]) -> FilterReport:
        return cls.merge(*(cls.from_chunk(c) for c in chunks), source="stream")

    @classmethod
    def from_error(cls, error: Any) -> FilterReport:
        """An ``openai`` exception or an error body (wire ``innererror.content_filter_result`` or spec
        ``inner_error.content_filter_results``; with or without the outer ``{"error": ...}``)."""
        completion = getattr(error, "completion", None)
        if isinstance(error, BaseException) and completion is not None:  # ContentFilterFinishReasonError
            return replace(cls.from_completion(completion), source="error", output_cut=True)
        body: Any = getattr(error, "body", None) if isinstance(error, BaseException) else error
        data = as_dict(body)
        if isinstance(data.get("error"), Mapping):
            data = dict(data["error"])
        inner = data.get("innererror") or data.get("inner_error") or {}
        inner = inner if isinstance(inner, Mapping) else {}
        results = inner.get("content_filter_result") or inner.get("content_filter_results")
        rows = parse_results(results, "prompt", 0)
        code = data.get("code")
        blocked = (
            str(code) in FILTER_ERROR_CODES
            or inner.get("code") == POLICY_CODE
            or any(r.filtered for r in rows)
        )
        if not blocked and type(error).__name__ == "ContentFilterFinishReasonError":
            return cls(source="error", output_cut=True)
        revised = inner.get("revised_prompt")
        return cls(
            tuple(rows),
            prompt_blocked=blocked,
            source="error",
            code=str(code) if code is not None else None,
            message=str(data.get("message") or "") if blocked else "",
            revised_prompt=str(revised) if revised else None,
        )

    @classmethod
    def from_response(cls, response: Any) -> FilterReport:
        """A Responses API result: Azure's ``content_filters`` list (one entry per source, ``prompt`` or
        ``completion``) and ``incomplete_details.reason == "content_filter"`` (the output was cut)."""
        data = as_dict(response)
        rows: list[FilterResult] = []
        blocked = cut = False
        for entry in data.get("content_filters") or []:
            if not isinstance(entry, Mapping):
                continue
            scope = "prompt" if entry.get("source_type") == "prompt" else "output"
            rows += parse_results(entry.get("content_filter_results"), scope, 0)
            blocked |= scope == "prompt" and bool(entry.get("blocked"))
            cut |= scope == "output" and bool(entry.get("blocked"))
        incomplete = data.get("incomplete_details")
        cut |= isinstance(incomplete, Mapping) and incomplete.get("reason") == "content_filter"
        blocked |= any(r.filtered for r in rows if r.scope == "prompt")
        cut |= any(r.filtered for r in rows if r.scope == "output")
        return cls(_merged(rows), prompt_blocked=blocked, output_cut=cut, source="response")

    @classmethod
    def from_images(cls, response: Any) -> FilterReport:
        """An images response: per image ``content_filter_results`` and ``prompt_filter_results`` (an object)."""
        rows: list[FilterResult] = []
        for index, item in enumerate(as_dict(response).get("data") or []):
            if isinstance(item, Mapping):
                rows += parse_results(item.get("prompt_filter_results"), "prompt", 0)
                rows += parse_results(item.get("content_filter_results"), "output", index)
        merged = _merged(rows)
        blocked = any(r.filtered for r in merged if r.scope == "prompt")
        cut = any(r.filtered for r in merged if r.scope == "output")
        return cls(merged, prompt_blocked=blocked, output_cut=cut, source="images")

    @classmethod
    def of(cls, obj: Any) -> FilterReport:
        """Dispatch on what ``obj`` is: report, exception, error body, images response, completion or chunk."""
        if isinstance(obj, FilterReport):
            return obj
        if isinstance(obj, BaseException):
            return cls.from_error(obj)
        data = as_dict(obj)
        if data.get("object") == "response":  # before errors: a Response always has an "error" key
            return cls.from_response(data)
        if "error" in data or "innererror" in data or "inner_error" in data:
            return cls.from_error(data)
        if data.get("object") == "chat.completion.chunk" or data.get("choices") == []:
            return cls.from_chunk(data)
        if "data" in data and "choices" not in data:
            return cls.from_images(data)
        return cls.from_completion(data)

    @classmethod
    def merge(cls, *reports: FilterReport, source: str | None = None) -> FilterReport:
        """Combine reports (e.g. every chunk of a stream): worst severity per prompt/output and category."""
        rows = [r for report in reports for r in report.results]
        first_error = next((r for r in reports if r.code or r.message), None)
        return cls(
            _merged(rows),
            prompt_blocked=any(r.prompt_blocked for r in reports),
            output_cut=any(r.output_cut for r in reports),
            source=source or (reports[0].source if reports else "completion"),
            code=first_error.code if first_error else None,
            message=first_error.message if first_error else "",
            revised_prompt=next((r.revised_prompt for r in reports if r.revised_prompt), None),
            cut_choices=tuple(sorted({i for r in reports for i in r.cut_choices})),
        )

    # --- reading -------------------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        if self.prompt_blocked:
            return "prompt blocked"
        if self.output_cut:
            return "output cut"
        return "passed" if self.results else "no filter results"

    @property
    def passed(self) -> bool:
        return not (self.prompt_blocked or self.output_cut)

    @property
    def filtered(self) -> tuple[FilterResult, ...]:
        return tuple(r for r in self.results if r.filtered)

    def summary(self) -> str:
        """``violence=high, jailbreak=detected``: filtered categories, or flagged ones when nothing was filtered."""
        chosen = self.filtered or tuple(r for r in self.results if r.flagged)
        seen: dict[str, FilterResult] = {}
        for r in chosen:
            seen[r.category] = _merge_one(seen[r.category], r) if r.category in seen else r
        return ", ".join(f"{c}={r.verdict}" for c, r in seen.items())

    def __repr__(self) -> str:
        summary = self.summary()
        return f"<FilterReport {self.status}{': ' + summary if summary else ''}>"

    # --- rendering -----------------------------------------------------------------------------------------

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (f"{r.scope} {r.index}", r.category, r.verdict, "FILTERED" if r.filtered else "no", r.detail)
            for r in self.results
        ]

    def to_text(self, *, with_message: bool = True) -> str:
        lines = [f"FilterReport: {self.status}" + (f" ({self.summary()})" if self.summary() else "")]
        if self.code and with_message:
            lines.append(f"code: {self.code}")
        if self.message and with_message:
            lines.append(f"message: {self.message}")
        if self.output_cut and self.cut_choices:
            lines.append("finish_reason=content_filter on choice " + ", ".join(map(str, self.cut_choices)))
        if self.revised_prompt:
            lines.append(f"revised prompt: {self.revised_prompt}")
        if self.results:
            lines.append(h.plain_table(("where", "category", "result", "filtered", "detail"), self._rows()))
        return "\n".join(lines)

    def headline_html(self) -> h.Raw:
        kind = {"passed": "ok", "prompt blocked": "bad", "output cut": "warn"}.get(self.status, "info")
        summary = self.summary()
        return h.line(h.badge(f"content filter: {self.status}", kind), h.esc(summary) if summary else "")

    def to_html(self, *, with_message: bool = True, boxed: bool = True) -> str:
        """The headline over a table with a colour scale for severity; ``boxed=False`` to embed in a view."""
        parts: list[str] = [self.headline_html()]
        if (self.code or self.message) and with_message:
            parts.append(
                h.line(h.esc(" - ".join(p for p in (self.code or "", self.message) if p)), muted=True)
            )
        if self.output_cut and self.cut_choices:
            choices = ", ".join(map(str, self.cut_choices))
            parts.append(h.line(h.esc(f"finish_reason=content_filter on choice {choices}"), muted=True))
        if self.revised_prompt:
            parts.append(h.line(h.esc(f"revised prompt: {self.revised_prompt}"), muted=True))
        if self.results:
            rows = [
                (
                    f"{r.scope} {r.index}",
                    r.category,
                    h.severity_cell(r.severity, r.filtered) if r.severity else r.verdict,
                    h.Raw("<b>filtered</b>") if r.filtered else "no",
                    r.detail,
                )
                for r in self.results
            ]
            parts.append(h.table(("where", "category", "result", "filtered", "detail"), rows))
        return h.box(*parts) if boxed else h.Raw('<div style="margin-top:6px">' + "".join(parts) + "</div>")

    def inline_html(self) -> str:
        """For embedding in a result view: the headline when passed, the whole table otherwise."""
        return self.headline_html() if self.passed else self.to_html(boxed=False)


def _merged(rows: Iterable[FilterResult]) -> tuple[FilterResult, ...]:
    by_key: dict[tuple[str, int, str], FilterResult] = {}
    for r in rows:
        key = (r.scope, r.index, r.category)
        by_key[key] = _merge_one(by_key[key], r) if key in by_key else r
    order = {"prompt": 0, "output": 1}
    return tuple(sorted(by_key.values(), key=lambda r: (order.get(r.scope, 2), r.index, r.category)))
