"""Reading request bodies safely: size limits, content types, JSON and multipart parsing."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import anyio
import orjson
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive

from aoai_nb.emulator import params as p
from aoai_nb.emulator.wire import AzureError, echo, invalid_request, simple_error

MAX_FORM_FIELD_BYTES = 64 * 1024
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    content_type: str


def too_large(what: str, limit: int) -> AzureError:
    return simple_error(
        413,
        "RequestEntityTooLarge",
        f"The {what} is larger than the emulator's limit of {limit / 1024 / 1024:g} MiB; send a smaller one.",
    )


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def require_multipart(request: Request, what: str) -> None:
    """A 400 ``invalid_content_type`` unless the body is multipart/form-data; ``what`` says what the route
    expects, e.g. "Audio requests are multipart/form-data with the audio in a 'file' part"."""
    media_type = _media_type(request)
    if media_type != "multipart/form-data":
        raise invalid_request(
            f"{what} (got {echo(media_type or 'no content type')}).",
            param="content-type",
            code="invalid_content_type",
        )


def body_timeout(seconds: float) -> AzureError:
    """408 for a body that stopped arriving (the connection closes after it: the rest cannot be framed)."""
    return simple_error(
        408,
        "Timeout",
        f"The request body stopped arriving: no data for {seconds:g} s. Send the whole body at once.",
        {"connection": "close"},
    )


def _all_received(request: Request) -> bool:
    """Whether the server holds the rest of the body already (uvicorn's request cycles say so with
    ``more_body = False``), so that reading it cannot wait; False when it cannot tell."""
    return getattr(getattr(request.receive, "__self__", None), "more_body", True) is False


async def read_body(request: Request, limit: int, what: str, timeout: float | None = None) -> bytes:
    """The whole body, at most ``limit`` bytes (else 413); a 408 when ``timeout`` seconds pass without data."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(what, limit)
    chunks: list[bytes] = []
    size = 0
    stream = request.stream()
    while True:
        if timeout is None or _all_received(request):
            chunk = await anext(stream, None)  # cannot wait: no deadline needed (they cost a cancel scope)
        else:
            with anyio.move_on_after(timeout) as waited:
                chunk = await anext(stream, None)
            if waited.cancelled_caught:
                raise body_timeout(timeout)
        if chunk is None:
            break
        size += len(chunk)
        if size > limit:
            raise too_large(what, limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # Starlette re-reads a consumed body from here (request.form())
    return body


def receive_once(body: bytes) -> Receive:
    """An ASGI ``receive`` for a body already in hand: the whole body in one message, then a wait that never
    ends (a client that stays connected), so a request built from it runs as one from the network."""
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    return receive


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value; numbers must be finite")


def _finite(text: str) -> float:
    """A JSON number as a float; one that overflows a double (``1e999``) is refused, not read as infinity."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {echo(text, 40)} is out of range; numbers must be finite")
    return value


_DECODER = json.JSONDecoder(parse_constant=_no_constants, parse_float=_finite)  # one, not one per request


_LONG_DIGITS = re.compile(rb"\d{19}")  # orjson reads integers past 64 bits as floats; json keeps them exact


def parse_json(body: bytes) -> Any:
    """Strict JSON as Azure reads it: UTF-8, no NaN/Infinity, no lone UTF-16 surrogates, nesting Python can
    hold; else a 400 ``invalid_json`` naming the problem.

    orjson (5x faster here) reads what it accepts to the same values; what it refuses, and any body with a
    19-digit run, goes to the standard library, whose errors name the problem."""
    if not _LONG_DIGITS.search(body):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return _parse_standard(body)


def _parse_standard(body: bytes) -> Any:
    try:
        text = body.decode("utf-8-sig")
        data = _DECODER.decode(text)
    except UnicodeDecodeError as exc:
        problem = f"it is not UTF-8 ({exc.reason} at byte {exc.start})"
    except RecursionError:
        problem = "it nests too deeply"
    except ValueError as exc:
        problem = str(exc)
    else:
        if not _SURROGATE_ESCAPE.search(text):
            return data
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
            return data
        except UnicodeEncodeError:
            problem = "a string holds a lone UTF-16 surrogate escape (e.g. \\ud800 without its pair)"
        except RecursionError:
            problem = "it nests too deeply"
    raise invalid_request(
        f"The request body is not valid JSON ({problem}); send a JSON object.",
        param=None,
        code="invalid_json",
    )


async def read_json(
    request: Request, limit: int, allow_form: bool = False, timeout: float | None = None
) -> dict[str, Any]:
    media_type = _media_type(request)
    if allow_form and media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        fields, _ = await _read_form(request, limit, want_file=False, timeout=timeout)
        return fields
    if media_type != "application/json":
        raise invalid_request(
            f"Unsupported content type {echo(media_type or '(none)')}: send the body as JSON with "
            "'Content-Type: application/json'.",
            param="content-type",
            code="invalid_content_type",
        )
    data = parse_json(await read_body(request, limit, "JSON body", timeout))
    if not isinstance(data, dict):
        raise invalid_request(
            'The request body must be a JSON object, e.g. {"messages": [...]}.',
            param=None,
            code="invalid_json",
        )
    return data


async def read_multipart(
    request: Request, limit: int, timeout: float | None = None
) -> tuple[dict[str, Any], Upload]:
    require_multipart(request, "Audio requests are multipart/form-data with the audio in a 'file' part")
    fields, upload = await _read_form(request, limit, want_file=True, timeout=timeout)
    if upload is None:
        raise p.missing("file", "the audio to transcribe")
    return fields, upload


async def _read_form(
    request: Request, limit: int, want_file: bool, timeout: float | None = None
) -> tuple[dict[str, Any], Upload | None]:
    await read_body(request, limit + MAX_FORM_FIELD_BYTES, "upload", timeout)
    form = await parse_form(request, max_fields=64)
    fields: dict[str, Any] = {}
    upload: Upload | None = None
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key != "file" or not want_file:
                    raise invalid_request(
                        f"Unexpected file part {echo(key)}; only 'file' carries a file.", param=key
                    )
                if upload is not None:
                    raise invalid_request(
                        "The 'file' part is given more than once; send one file.", param="file"
                    )
                data = await value.read()
                if len(data) > limit:
                    raise too_large("audio file", limit)
                upload = Upload(
                    value.filename or "audio", data, value.content_type or "application/octet-stream"
                )
            else:
                add_field(fields, key, value)
    finally:
        await form.close()
    return fields, upload


def add_field(fields: dict[str, Any], key: str, value: str) -> None:
    """One text part of a form into ``fields``: ``x[]`` parts collect into the list ``fields["x"]``; a plain
    key given twice is a 400."""
    if key.endswith("[]"):
        fields.setdefault(key[:-2], []).append(value)
    elif key in fields:
        raise invalid_request(f"Form field {echo(key)} is given more than once.", param=key)
    else:
        fields[key] = value


async def parse_form(request: Request, max_fields: int, max_files: int = 2) -> Any:
    """The request's multipart form (its body already read); a body that does not parse, or has more than
    ``max_files`` files, is a 400 ``invalid_multipart`` naming why."""
    try:
        return await request.form(
            max_files=max_files, max_fields=max_fields, max_part_size=MAX_FORM_FIELD_BYTES
        )
    except HTTPException as exc:
        raise invalid_request(
            f"The multipart body cannot be parsed: {exc.detail}.", code="invalid_multipart"
        ) from None
    except Exception as exc:  # python-multipart's parse errors
        raise invalid_request(
            f"The multipart body cannot be parsed: {exc}.", code="invalid_multipart"
        ) from None
