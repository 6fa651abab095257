"""Reading a batch input file: one request per JSONL line, validated as Azure's batch service does.

Problems with the file as a whole fail the batch (``errors.data`` with Azure's codes: ``empty_file``,
``too_many_tasks``, ``duplicate_custom_id``, ``model_mismatch``, ``model_not_found``, ``url_mismatch``,
``invalid_request``). A line that is not a request (not UTF-8, not JSON, not an object, no ``custom_id``,
not ``POST``, no ``body`` object) is kept as malformed: it goes to the error file while the rest run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

BOM = b"\xef\xbb\xbf"
# line url -> the emulator route that serves it (Azure: chat completions and responses; no embeddings)
LINE_URLS: dict[str, str] = {
    "/v1/chat/completions": "chat/completions",
    "/chat/completions": "chat/completions",
    "/v1/responses": "responses",
    "/responses": "responses",
}
UNSUPPORTED_URLS = {
    "/v1/embeddings": "embeddings",
    "/embeddings": "embeddings",
    "/v1/completions": "legacy completions",
    "/completions": "legacy completions",
}
EMPTY_FILE_MESSAGE = "The input file is empty. Please ensure that the batch contains at least one request."
NO_MODEL_MESSAGE = (
    "Validation failed: A valid model deployment name couldn't be extracted from the input file. Please "
    "ensure that each line is a UTF-8 (without BOM) JSON object whose body names the same deployment in "
    "'model'."
)


@dataclass(frozen=True)
class BatchLine:
    """One non-blank input line (``number`` counts from 1). ``problem`` is set for a malformed line."""

    number: int
    custom_id: str | None = None
    route: str | None = None
    body: dict[str, Any] | None = None
    problem: tuple[str, str] | None = None  # (code, message) for the error file


@dataclass
class ParsedInput:
    lines: list[BatchLine] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # BatchErrorData: the batch fails
    model: str | None = None


def batch_error(code: str, message: str, line: int | None = None, param: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "param": param, "line": line}


def _read_line(number: int, raw: bytes) -> BatchLine:
    try:
        item = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        return BatchLine(number, problem=("invalid_json_line", f"Line {number} is not UTF-8 ({exc.reason})."))
    except ValueError as exc:
        return BatchLine(number, problem=("invalid_json_line", f"Line {number} is not valid JSON ({exc})."))
    if not isinstance(item, dict):
        return BatchLine(number, problem=("invalid_json_line", f"Line {number} is not a JSON object."))
    custom_id = item.get("custom_id")
    if not isinstance(custom_id, str) or not custom_id:
        return BatchLine(
            number,
            problem=("invalid_request", f"Line {number} has no 'custom_id' string; every request needs one."),
        )
    if item.get("method") != "POST":
        return BatchLine(
            number,
            custom_id,
            problem=(
                "invalid_request",
                f"Line {number}: 'method' must be \"POST\", not {item.get('method')!r}.",
            ),
        )
    body = item.get("body")
    if not isinstance(body, dict):
        return BatchLine(
            number, custom_id, problem=("invalid_request", f"Line {number}: 'body' must be a JSON object.")
        )
    url = item.get("url")
    return BatchLine(number, custom_id, url if isinstance(url, str) else "", body)


def parse_input(
    data: bytes, max_lines: int, deployment_exists: Callable[[str], bool], served: Collection[str]
) -> ParsedInput:
    """The file's lines, or the errors that fail the batch (``errors`` non-empty)."""
    parsed = ParsedInput()
    if data.startswith(BOM):
        parsed.errors.append(
            batch_error("model_not_found", NO_MODEL_MESSAGE + " (The file starts with a BOM.)")
        )
        return parsed
    raw_lines = [(n, raw) for n, raw in enumerate(data.split(b"\n"), start=1) if raw.strip()]
    if not raw_lines:
        parsed.errors.append(batch_error("empty_file", EMPTY_FILE_MESSAGE))
        return parsed
    if len(raw_lines) > max_lines:
        parsed.errors.append(
            batch_error(
                "too_many_tasks",
                f"The input file has {len(raw_lines)} requests; a batch takes at most {max_lines}. Split it.",
            )
        )
        return parsed
    lines = [_read_line(n, raw.strip()) for n, raw in raw_lines]
    requests = [line for line in lines if line.problem is None]
    parsed.errors = _file_errors(requests, deployment_exists, served)
    if not parsed.errors:
        parsed.lines = [_routed(line) for line in lines]
        parsed.model = str(requests[0].body.get("model")) if requests and requests[0].body else None
    return parsed


def _routed(line: BatchLine) -> BatchLine:
    if line.problem is not None or line.route is None:
        return line
    return BatchLine(line.number, line.custom_id, LINE_URLS[line.route], line.body)


def _file_errors(
    requests: list[BatchLine], deployment_exists: Callable[[str], bool], served: Collection[str]
) -> list[dict[str, Any]]:
    """Whole-file checks over the well-formed lines: ids unique, one url, one existing deployment."""
    if not requests:
        return [batch_error("model_not_found", NO_MODEL_MESSAGE)]
    seen: set[str] = set()
    for line in requests:
        assert line.custom_id is not None and line.body is not None and line.route is not None
        if line.custom_id in seen:
            return [
                batch_error(
                    "duplicate_custom_id",
                    f"The custom_id {line.custom_id!r} on line {line.number} is used by an earlier line; "
                    "every custom_id must be unique.",
                    line.number,
                    "custom_id",
                )
            ]
        seen.add(line.custom_id)
        if line.route in UNSUPPORTED_URLS:
            return [
                batch_error(
                    "invalid_request",
                    f"Line {line.number} asks for {line.route}: Azure OpenAI batch does not support "
                    f"{UNSUPPORTED_URLS[line.route]}; use /v1/chat/completions or /v1/responses.",
                    line.number,
                    "url",
                )
            ]
        if line.route not in LINE_URLS:
            return [
                batch_error(
                    "invalid_request",
                    f"Line {line.number} has url {line.route!r}; use /v1/chat/completions or /v1/responses.",
                    line.number,
                    "url",
                )
            ]
        if LINE_URLS[line.route] not in served:
            return [
                batch_error(
                    "invalid_request",
                    f"Line {line.number} asks for {line.route}, which this emulator does not serve yet; "
                    "use /v1/chat/completions.",
                    line.number,
                    "url",
                )
            ]
    first = requests[0]
    assert first.body is not None and first.route is not None
    model = first.body.get("model")
    if not isinstance(model, str) or not model:
        return [batch_error("model_not_found", NO_MODEL_MESSAGE, first.number, "model")]
    if not deployment_exists(model):
        return [
            batch_error(
                "model_not_found",
                f"The deployment {model!r} named on line {first.number} does not exist on this resource.",
                first.number,
                "model",
            )
        ]
    for line in requests[1:]:
        assert line.body is not None
        if line.body.get("model") != model:
            return [
                batch_error(
                    "model_mismatch",
                    f"Line {line.number} names deployment {line.body.get('model')!r}, line {first.number} "
                    f"{model!r}: every line of a batch must use the same deployment.",
                    line.number,
                    "model",
                )
            ]
        if LINE_URLS[line.route or ""] != LINE_URLS[first.route]:
            return [
                batch_error(
                    "url_mismatch",
                    f"Line {line.number} has url {line.route!r}, line {first.number} {first.route!r}: every line "
                    "of a batch must call the same API.",
                    line.number,
                    "url",
                )
            ]
    return []
