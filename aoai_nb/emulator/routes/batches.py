"""The Batch API: create, list (with pagination), retrieve and cancel, on /openai/v1/batches and the classic
/openai/batches?api-version= forms (2024-07-01-preview and later). Each handler takes the emulator's
``BatchRunner`` first (the app binds it), where the jobs run."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from aoai_nb.emulator import params as p
from aoai_nb.emulator.batch_input import LINE_URLS, UNSUPPORTED_URLS
from aoai_nb.emulator.batch_jobs import TEACHING_PREFIX, BatchRunner
from aoai_nb.emulator.file_store import UPLOAD_PURPOSE
from aoai_nb.emulator.payloads import read_json
from aoai_nb.emulator.routes.files import (
    EXPIRES_MAX_SECONDS,
    EXPIRES_MIN_SECONDS,
    check_access,
    json_reply,
    page,
)
from aoai_nb.emulator.runtime import Runtime
from aoai_nb.emulator.wire import invalid_request, resource_not_found

FIRST_BATCH_VERSION = "2024-07-01-preview"  # the first api-version with the Batch API (GA in 2024-10-21)
CREATE_PARAMS = {"input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"}
LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX = 20, 100


def _check(rt: Runtime, request: Request, v1: bool) -> str | None:
    """The api-version lines run with (None on v1); classic versions before the Batch API have no route."""
    version = check_access(rt, request, v1)
    if v1:
        return None
    if version[:10] < FIRST_BATCH_VERSION[:10]:
        raise resource_not_found()
    return version


def _metadata(body: dict[str, Any]) -> dict[str, str] | None:
    metadata = body.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or len(metadata) > 16:
        raise invalid_request("'metadata' must be an object of at most 16 string pairs.", param="metadata")
    for key, value in metadata.items():
        if not isinstance(value, str) or len(key) > 64 or len(value) > 512:
            raise invalid_request(
                f"Invalid metadata entry {key!r}: keys are strings of up to 64 characters, values strings of up "
                "to 512.",
                param="metadata",
            )
    return metadata


def _output_expiry(body: dict[str, Any]) -> int | None:
    value = body.get("output_expires_after")
    if value is None:
        return None
    seconds = value.get("seconds") if isinstance(value, dict) else None
    if (
        not isinstance(value, dict)
        or value.get("anchor") != "created_at"
        or isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not EXPIRES_MIN_SECONDS <= seconds <= EXPIRES_MAX_SECONDS
    ):
        raise invalid_request(
            '\'output_expires_after\' is {"anchor": "created_at", "seconds": n} with n from '
            f"{EXPIRES_MIN_SECONDS} (14 days) to {EXPIRES_MAX_SECONDS} (30 days).",
            param="output_expires_after",
        )
    return seconds


def _endpoint(body: dict[str, Any]) -> str:
    endpoint = p.required(body, "endpoint")
    if endpoint in UNSUPPORTED_URLS:
        raise invalid_request(
            f"Azure OpenAI batch does not support {UNSUPPORTED_URLS[endpoint]} ({endpoint}); use "
            "/v1/chat/completions or /v1/responses.",
            param="endpoint",
            code="invalid_value",
        )
    if endpoint not in LINE_URLS:
        raise invalid_request(
            f"Invalid value for 'endpoint': {endpoint!r}; use /v1/chat/completions or /v1/responses.",
            param="endpoint",
        )
    return str(endpoint)


async def create_batch(runner: BatchRunner, rt: Runtime, request: Request, v1: bool) -> Response:
    api_version = _check(rt, request, v1)
    body = await read_json(request, rt.config.max_json_bytes)
    p.reject_unknown(body, CREATE_PARAMS)
    file_id = p.required(body, "input_file_id")
    if not isinstance(file_id, str):
        raise p.wrong_type("input_file_id", file_id, "a string")
    endpoint = _endpoint(body)
    window = p.required(body, "completion_window")
    if not isinstance(window, str):
        raise p.wrong_type("completion_window", window, "a string")
    metadata = _metadata(body)
    output_expiry = _output_expiry(body)
    stored = rt.files.get(file_id)
    if stored.purpose != UPLOAD_PURPOSE:
        raise invalid_request(
            f"The file {file_id!r} has purpose {stored.purpose!r}; a batch's input file needs purpose 'batch'.",
            param="input_file_id",
        )
    teaching = {k: v for k, v in request.headers.items() if k.startswith(TEACHING_PREFIX)}
    job = runner.create(
        stored.data,
        {
            "endpoint": endpoint,
            "input_file_id": file_id,
            "completion_window": window,
            "metadata": metadata,
            "api_version": api_version,
            "headers": teaching,
            "output_expires_after": output_expiry,
        },
    )
    return json_reply(job.as_object())


async def list_batches(runner: BatchRunner, rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1)
    raw = request.query_params.get("limit", str(LIST_LIMIT_DEFAULT))
    if not raw.isdigit() or not 1 <= int(raw) <= LIST_LIMIT_MAX:
        raise invalid_request(
            f"Invalid value for 'limit': {raw!r}; use a whole number from 1 to {LIST_LIMIT_MAX}.",
            param="limit",
        )
    jobs = list(reversed(runner.all()))  # newest first
    shown, has_more = page(jobs, request, int(raw))
    return json_reply(
        {
            "object": "list",
            "data": [job.as_object() for job in shown],
            "first_id": shown[0].id if shown else None,
            "last_id": shown[-1].id if shown else None,
            "has_more": has_more,
        }
    )


async def retrieve_batch(runner: BatchRunner, rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1)
    return json_reply(runner.get(request.path_params["batch_id"]).as_object())


async def cancel_batch(runner: BatchRunner, rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1)
    return json_reply(runner.cancel(request.path_params["batch_id"]).as_object())
