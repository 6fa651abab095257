"""The Files API: upload (multipart), list, retrieve, delete and download, on /openai/v1/files and the classic
/openai/files?api-version= forms. Files live in ``rt.files`` (``file_store.FileStore``)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from aoai_nb.emulator import params as p
from aoai_nb.emulator import policy
from aoai_nb.emulator.file_store import UPLOAD_PURPOSE, StoredFile
from aoai_nb.emulator.payloads import MAX_FORM_FIELD_BYTES, parse_form, read_body, require_multipart
from aoai_nb.emulator.runtime import Runtime
from aoai_nb.emulator.wire import AzureError, dumps, invalid_request, simple_error

EXPIRES_MIN_SECONDS = 1_209_600  # 14 days
EXPIRES_MAX_SECONDS = 2_592_000  # 30 days
LIST_LIMIT_MAX = 10_000


def json_reply(obj: Any, status: int = 200) -> Response:
    return Response(dumps(obj), status, media_type="application/json")


def check_access(rt: Runtime, request: Request, v1: bool) -> str:
    """Key and api-version, in the gateway's order; returns the api-version."""
    if v1:
        policy.check_auth(request.headers, rt.api_key, rt.auth)
        return policy.check_v1_api_version(request.query_params)
    version = policy.classic_api_version(request.query_params)
    policy.check_auth(request.headers, rt.api_key, rt.auth)
    policy.check_classic_api_version(version)
    return version


def invalid_payload(message: str) -> AzureError:
    """Azure's Files API refusal: ``{"error": {"code": "invalidPayload", "message"}}``."""
    return simple_error(400, "invalidPayload", message)


def _expires_after(fields: dict[str, str]) -> int | None:
    seconds = fields.get("expires_after[seconds]", fields.get("expires_after.seconds"))
    anchor = fields.get("expires_after[anchor]", fields.get("expires_after.anchor"))
    if seconds is None and anchor is None:
        return None
    if anchor != "created_at":
        raise invalid_payload(f"expires_after.anchor must be 'created_at', not {anchor!r}.")
    if (
        seconds is None
        or not seconds.isdigit()
        or not EXPIRES_MIN_SECONDS <= int(seconds) <= EXPIRES_MAX_SECONDS
    ):
        raise invalid_payload(
            f"expires_after.seconds must be a whole number from {EXPIRES_MIN_SECONDS} (14 days) to "
            f"{EXPIRES_MAX_SECONDS} (30 days), not {seconds!r}."
        )
    return int(seconds)


async def _read_upload(rt: Runtime, request: Request) -> tuple[dict[str, str], UploadFile | None, bytes]:
    require_multipart(
        request, "Upload files as multipart/form-data with the file in a 'file' part and a 'purpose' field"
    )
    await read_body(request, rt.files.max_file_bytes + MAX_FORM_FIELD_BYTES, "upload")
    form = await parse_form(request, max_fields=16)
    fields: dict[str, str] = {}
    upload: UploadFile | None = None
    data = b""
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "file" or upload is not None:
                    raise invalid_payload(f"Unexpected file part {key!r}; send one file, in the 'file' part.")
                upload, data = value, await value.read()
            else:
                fields[key] = value
    finally:
        await form.close()
    return fields, upload, data


async def create_file(rt: Runtime, request: Request, v1: bool) -> Response:
    check_access(rt, request, v1)
    fields, upload, data = await _read_upload(rt, request)
    purpose = fields.get("purpose")
    if purpose is None:
        raise p.missing("purpose", "use 'batch'")
    if purpose != UPLOAD_PURPOSE:
        raise invalid_payload(
            f"Invalid value for purpose. The emulator stores files for purpose '{UPLOAD_PURPOSE}' only "
            f"(got {purpose!r}; fine-tuning and assistants files need an Azure resource)."
        )
    if upload is None:
        raise p.missing("file", "the JSONL file to upload")
    filename = upload.filename or "upload.jsonl"
    if not filename.lower().endswith(".jsonl"):
        raise invalid_payload(
            f"fileName contains an invalid filename: wrong suffix. Batch input files are JSON Lines, named "
            f"*.jsonl (got {filename!r})."
        )
    stored = rt.files.add(filename, purpose, data, _expires_after(fields))
    return json_reply(stored.as_object())


def _list_limit(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return LIST_LIMIT_MAX
    if not raw.isdigit() or not 1 <= int(raw) <= LIST_LIMIT_MAX:
        raise invalid_request(
            f"Invalid value for 'limit': {raw!r}; use a whole number from 1 to {LIST_LIMIT_MAX}.",
            param="limit",
        )
    return int(raw)


def page(items: list[Any], request: Request, limit: int) -> tuple[list[Any], bool]:
    """The items after the ``after`` cursor (an id in ``items``), at most ``limit`` of them, and has_more."""
    after = request.query_params.get("after")
    if after is not None:
        ids = [item.id for item in items]
        if after not in ids:
            raise invalid_request(
                f"Invalid value for 'after': no object with id {after!r} is in this list.", param="after"
            )
        items = items[ids.index(after) + 1 :]
    return items[:limit], len(items) > limit


async def list_files(rt: Runtime, request: Request, v1: bool) -> Response:
    check_access(rt, request, v1)
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise invalid_request(f"Invalid value for 'order': {order!r}; use 'asc' or 'desc'.", param="order")
    files: list[StoredFile] = rt.files.all(request.query_params.get("purpose"))
    if order == "desc":
        files.reverse()
    shown, has_more = page(files, request, _list_limit(request))
    return json_reply(
        {
            "object": "list",
            "data": [f.as_object() for f in shown],
            "first_id": shown[0].id if shown else None,
            "last_id": shown[-1].id if shown else None,
            "has_more": has_more,
        }
    )


async def retrieve_file(rt: Runtime, request: Request, v1: bool) -> Response:
    check_access(rt, request, v1)
    return json_reply(rt.files.get(request.path_params["file_id"]).as_object())


async def delete_file(rt: Runtime, request: Request, v1: bool) -> Response:
    check_access(rt, request, v1)
    file_id = request.path_params["file_id"]
    rt.files.delete(file_id)
    return json_reply({"id": file_id, "object": "file", "deleted": True})


async def file_content(rt: Runtime, request: Request, v1: bool) -> Response:
    check_access(rt, request, v1)
    stored = rt.files.get(request.path_params["file_id"])
    return Response(stored.data, media_type="application/octet-stream")
