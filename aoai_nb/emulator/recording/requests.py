"""What a recorded request is: method, path, query and a normalised body (see ``cassette`` for matching)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Scope

from aoai_nb.emulator.payloads import receive_once
from aoai_nb.emulator.recording.cassette import deployment_of, match_key


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any  # JSON value, a multipart summary, {"sha256": ...} for other bytes, or None
    raw: bytes
    content_type: str
    controls: dict[str, str]  # the emulator's x-aoai-nb-* teaching headers

    @property
    def key(self) -> str:
        return match_key(self.method, self.path, self.query, self.body, self.controls)

    def describe(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "deployment": deployment_of(self.path, self.body),
            "api_version": self.query.get("api-version"),
            "body": self.body,
            **({"controls": self.controls} if self.controls else {}),
        }

    def summary(self) -> str:
        version = self.query.get("api-version")
        return f"{self.method} {self.path}" + (f" (api-version {version})" if version else "")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def _multipart(scope: Scope, raw: bytes) -> dict[str, Any]:
    """Form fields as values, files as their sha256, name and type; a repeated field becomes a list."""
    fields: dict[str, Any] = {}
    async with Request(scope, receive_once(raw)).form(max_files=64, max_fields=256) as form:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                item: Any = {"sha256": _sha256(await value.read()), "filename": value.filename}
            else:
                item = value
            if name in fields:
                previous = fields[name]
                fields[name] = [*previous, item] if isinstance(previous, list) else [previous, item]
            else:
                fields[name] = item
    return fields


async def normalise(scope: Scope, raw: bytes) -> RecordedRequest:
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
    content_type = headers.get("content-type", "")
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True))
    body: Any = None
    if raw and content_type.startswith("application/json"):
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"sha256": _sha256(raw)}
    elif raw and content_type.startswith("multipart/form-data"):
        try:
            body = {"multipart": await _multipart(scope, raw)}
        except Exception:  # a malformed upload matches by its bytes; the upstream judges it
            body = {"sha256": _sha256(raw)}
    elif raw:
        body = {"sha256": _sha256(raw)}
    controls = {k: v for k, v in headers.items() if k.startswith("x-aoai-nb-")}
    return RecordedRequest(
        scope.get("method", "GET"), scope["path"], query, body, raw, content_type, controls
    )
