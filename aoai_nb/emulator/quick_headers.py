"""Request headers looked up through a dict built once per request, for the API routes served directly.

Starlette's ``Headers`` scans the header list on every lookup, and a missing header (most of the emulator's
``x-aoai-nb-*`` controls, on most requests) costs a ``KeyError`` raised and caught inside ``Mapping.get``. A
request's headers are looked up about seven times; ``QuickHeaders`` answers the same (the first of repeated
headers, as ``Headers`` does) from a dict.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Scope


class QuickHeaders(Headers):
    def __init__(self, scope: Scope) -> None:
        super().__init__(scope=scope)
        first: dict[bytes, bytes] = {}
        for name, value in self._list:
            first.setdefault(name, value)
        self._first = first

    def get(self, key: str, default: Any = None) -> Any:
        value = self._first.get(key.lower().encode("latin-1"))
        return default if value is None else value.decode("latin-1")

    def __getitem__(self, key: str) -> str:
        value = self._first.get(key.lower().encode("latin-1"))
        if value is None:
            raise KeyError(key)
        return value.decode("latin-1")

    def __contains__(self, key: Any) -> bool:
        return key.lower().encode("latin-1") in self._first


class QuickRequest(Request):
    """A Starlette ``Request`` whose ``headers`` are ``QuickHeaders``."""

    @property
    def headers(self) -> Headers:
        if not hasattr(self, "_headers"):
            self._headers = QuickHeaders(self.scope)
        return self._headers
