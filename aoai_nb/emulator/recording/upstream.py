"""The upstream a recording emulator forwards to, with its own credentials (never the client's)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio.to_thread
from starlette.types import Scope

from aoai_nb.emulator.recording.requests import RecordedRequest
from aoai_nb.emulator.wire import simple_error

DROPPED = frozenset(
    {"host", "content-length", "api-key", "authorization", "connection", "accept-encoding", "cookie",
     "transfer-encoding", "keep-alive", "upgrade", "proxy-authorization", "te"}
)  # fmt: skip
TIMEOUT_SECONDS = 600.0


class Upstream:
    def __init__(self, base: str, api_key: str | None = None) -> None:
        self.base = base.rstrip("/")
        self._key = api_key or os.environ.get("AZURE_OPENAI_API_KEY") or None
        self._token: Callable[[], str] | None = None
        if self._key is None:
            from azure.identity import DefaultAzureCredential, get_bearer_token_provider

            from aoai_nb.config import ENTRA_SCOPE

            self._token = get_bearer_token_provider(DefaultAzureCredential(), ENTRA_SCOPE)
        self._issued: list[str] = []  # tokens handed out, scrubbed from recordings like the key

    def __repr__(self) -> str:  # never shows a key or token
        return f"<Upstream {self.base} auth={'key' if self._key else 'entra'}>"

    def secrets(self) -> list[str]:
        return [s for s in (self._key, *self._issued[-4:]) if s]

    async def _auth(self) -> dict[str, str]:
        if self._key is not None:
            return {"api-key": self._key}
        assert self._token is not None
        token = await anyio.to_thread.run_sync(self._token)
        self._issued.append(token)
        return {"authorization": f"Bearer {token}"}

    @contextlib.asynccontextmanager
    async def stream(self, request: RecordedRequest, scope: Scope) -> AsyncIterator[Any]:
        import httpx2

        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope.get("headers", ())
            if k.decode("latin-1").lower() not in DROPPED
        }
        headers.update(await self._auth())
        headers["accept-encoding"] = "identity"
        query = scope.get("query_string", b"").decode("latin-1")
        url = self.base + request.path + (f"?{query}" if query else "")
        try:  # one client per exchange: nothing to close when the emulator stops
            async with (
                httpx2.AsyncClient(timeout=TIMEOUT_SECONDS) as client,
                client.stream(request.method, url, content=request.raw, headers=headers) as answer,
            ):
                yield answer
        except httpx2.HTTPError as exc:
            raise simple_error(
                502,
                "UpstreamUnavailable",
                f"The recording emulator could not reach its upstream {self.base}: {type(exc).__name__}. "
                "Check --upstream and the network, or replay what is recorded with --replay DIR.",
            ) from None

    async def fetch(self, url: str) -> bytes | None:
        """A generated image's bytes (its URL needs no key: Azure's are SAS-signed, the emulator's unguessable)."""
        import httpx2

        try:
            async with httpx2.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                answer = await client.get(url)
        except httpx2.HTTPError:
            return None
        return answer.content if answer.status_code == 200 else None
