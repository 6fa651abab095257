"""Helpers for embed() tests: SDK clients on the session emulator whose HTTP traffic is recorded, and whose
chosen requests carry the emulator's teaching headers (or, for a 400, get an Azure-shaped refusal)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

DEPLOYMENT = "text-embedding-3-small"

# (request number from 0, the request's inputs) -> extra headers, a ready response, or None
Inject = Callable[[int, list[str]], "dict[str, str] | httpx2.Response | None"]


@dataclass
class Exchange:
    inputs: list[str]
    status: int = 0


@dataclass
class Recorder(httpx2.BaseTransport):
    """A real HTTP transport that records each request's inputs and status and can alter chosen requests."""

    inject: Inject | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._inner = httpx2.HTTPTransport()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content or b"{}")
        inputs = body.get("input", [])
        exchange = Exchange(inputs if isinstance(inputs, list) else [inputs])
        with self._lock:
            number = len(self.exchanges)
            self.exchanges.append(exchange)
        action = self.inject(number, exchange.inputs) if self.inject else None
        if isinstance(action, httpx2.Response):
            exchange.status = action.status_code
            return action
        for name, value in (action or {}).items():
            request.headers[name] = value
        response = self._inner.handle_request(request)
        exchange.status = response.status_code
        return response

    def close(self) -> None:
        self._inner.close()

    @property
    def embedded(self) -> list[str]:
        """Every input of every successful request, in the order the requests were made."""
        return [text for e in self.exchanges if e.status == 200 for text in e.inputs]

    def statuses(self) -> list[int]:
        return [e.status for e in self.exchanges]


def azure_400(message: str) -> httpx2.Response:
    body = {"error": {"code": "BadRequest", "message": message, "param": "input", "type": None}}
    return httpx2.Response(
        400, json=body, headers={"x-request-id": "test-400", "apim-request-id": "test-400"}
    )


ClientFactory = Callable[..., "tuple[openai.AzureOpenAI, Recorder]"]


@pytest.fixture
def make_client(emulator: Any) -> Iterator[ClientFactory]:
    made: list[openai.AzureOpenAI] = []

    def make(inject: Inject | None = None, max_retries: int = 2) -> tuple[openai.AzureOpenAI, Recorder]:
        recorder = Recorder(inject)
        client = openai.AzureOpenAI(
            azure_endpoint=emulator.url,
            api_key=emulator.api_key,
            api_version="2024-10-21",
            max_retries=max_retries,
            http_client=httpx2.Client(transport=recorder),
        )
        made.append(client)
        return client, recorder

    yield make
    for client in made:
        client.close()


@pytest.fixture(autouse=True)
def private_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """cache=True must never touch the real ~/.cache in tests."""
    directory = tmp_path / "embedding-cache"
    monkeypatch.setenv("AOAI_NB_CACHE_DIR", str(directory))
    return directory
