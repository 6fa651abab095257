"""Fixtures for the Responses API tests: SDK clients (v1 and classic preview, sync and async) on the shared
scripted emulator, private emulators, and the v1 spec's validator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import yaml

from aoai_nb.emulator.config import Deployment, EmulatorConfig
from tests.emulator.conftest import SpecValidator

PREVIEW = "2025-04-01-preview"
MODEL = "gpt-4o-mini"


@pytest.fixture
def v1(emulator: Any) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{emulator.url}/openai/v1/", api_key=emulator.api_key, max_retries=0) as c:
        yield c


@pytest.fixture
async def av1(emulator: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=f"{emulator.url}/openai/v1/", api_key=emulator.api_key, max_retries=0
    ) as c:
        yield c


@pytest.fixture
def azure(emulator: Any) -> Iterator[openai.AzureOpenAI]:
    """The classic client on a preview api-version: ``/openai/responses?api-version=...``."""
    with openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version=PREVIEW, max_retries=0
    ) as c:
        yield c


@pytest.fixture
async def aazure(emulator: Any) -> AsyncIterator[openai.AsyncAzureOpenAI]:
    async with openai.AsyncAzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version=PREVIEW, max_retries=0
    ) as c:
        yield c


@pytest.fixture
def raw(emulator: Any) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=emulator.url, headers={"api-key": emulator.api_key}, timeout=30) as c:
        yield c


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Any]]:
    """Private scripted emulators (other settings); stopped at teardown."""
    from aoai_nb.emulator import Emulator

    started: list[Any] = []

    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("engine", "scripted")
        emu = Emulator(**kwargs).start()
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()


def client_for(emu: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0)


def config_with(*deployments: Deployment, **changes: Any) -> EmulatorConfig:
    base = EmulatorConfig.default()
    return base.with_changes(deployments=(*base.deployments, *deployments), **changes)


@pytest.fixture(scope="session")
def spec_v1(specs_dir: Path) -> SpecValidator:
    path = specs_dir / "v1" / "azure-v1-v1-generated.yaml"
    if not path.is_file():
        pytest.skip(f"{path} is missing: the v1 spec comes from ../shared/specs")
    return SpecValidator(
        yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    )
