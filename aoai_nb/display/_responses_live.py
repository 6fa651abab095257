"""Folding a Responses API stream's events into a ``StreamResult`` (see ``_live.py``), so ``stream()`` and
``show()`` take a Responses stream as they take a chat stream: text growing in place, function calls, the
reasoning summary, time to first token; the final Response's status, usage and filter results at the end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aoai_nb.display._filters import FilterReport

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.display._live import StreamResult

TERMINAL = ("response.completed", "response.incomplete", "response.failed")


def is_response_event(data: Mapping[str, Any]) -> bool:
    kind = data.get("type")
    return (
        isinstance(kind, str) and (kind.startswith("response.") or kind == "error") and "choices" not in data
    )


def fold(result: StreamResult, data: Mapping[str, Any], event: Any) -> str:
    """Fold one event in; return the new output text (may be empty)."""
    result.kind = "responses"
    kind = data.get("type")
    response = data.get("response")
    if isinstance(response, Mapping):
        result.id = result.id or str(response.get("id") or "")
        result.model = result.model or str(response.get("model") or "")
        if kind in TERMINAL:
            _finish(result, response, getattr(event, "response", None))
    if kind == "response.output_item.added":
        item = data.get("item") or {}
        if item.get("type") == "function_call":
            slot = result._tool_calls.setdefault((0, int(data.get("output_index") or 0)), _slot())
            slot["id"] = str(item.get("call_id") or "")
            slot["name"] = str(item.get("name") or "")
    elif kind == "response.function_call_arguments.delta":
        slot = result._tool_calls.setdefault((0, int(data.get("output_index") or 0)), _slot())
        slot["arguments"] += str(data.get("delta") or "")
    elif kind == "response.reasoning_summary_text.delta":
        result.reasoning_summary += str(data.get("delta") or "")
    elif kind == "error":
        result.finish_reasons[0] = f"error ({data.get('code') or 'unknown'}: {data.get('message') or ''})"
    elif kind == "response.output_text.delta":
        return str(data.get("delta") or "")
    return ""


def _slot() -> dict[str, str]:
    return {"id": "", "name": "", "arguments": ""}


def _finish(result: StreamResult, response: Mapping[str, Any], sdk_response: Any) -> None:
    status = str(response.get("status") or "")
    incomplete = response.get("incomplete_details")
    if isinstance(incomplete, Mapping) and incomplete.get("reason"):
        status += f" ({incomplete['reason']})"
    result.finish_reasons[0] = status
    usage = getattr(sdk_response, "usage", None) or response.get("usage")
    if usage:
        result.usage = usage
    report = FilterReport.from_response(response)
    if report.results or not report.passed:
        result._filter = FilterReport.merge(result._filter, report, source="stream")
