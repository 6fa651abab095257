"""Fixtures for the Responses API tests: SDK clients (v1 and classic preview, sync and async) on the shared
scripted emulator, private emulators, and the v1 spec's validator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import openai
import pytest

from aoai_nb.emulator.config import Deployment, EmulatorConfig
from tests.fixtures import av1, make_emulator, raw, sdk_client, spec_v1, v1

__all__ = ["av1", "make_emulator", "raw", "spec_v1", "v1"]  # the shared fixtures this folder uses

PREVIEW = "2025-04-01-preview"
MODEL = "gpt-4o-mini"


@pytest.fixture
def azure(emulator: Any) -> Iterator[openai.AzureOpenAI]:
    """The classic client on a preview api-version: ``/openai/responses?api-version=...``."""
    with sdk_client(emulator, PREVIEW) as c:
        yield c


@pytest.fixture
async def aazure(emulator: Any) -> AsyncIterator[openai.AsyncAzureOpenAI]:
    async with sdk_client(emulator, PREVIEW, asynchronous=True) as c:
        yield c


def client_for(emu: Any) -> openai.OpenAI:
    """A v1 client on a private emulator (close it, or use it in a ``with`` block)."""
    client: openai.OpenAI = sdk_client(emu)
    return client


def config_with(*deployments: Deployment, **changes: Any) -> EmulatorConfig:
    base = EmulatorConfig.default()
    return base.with_changes(deployments=(*base.deployments, *deployments), **changes)
