"""Fixtures shared by the folders that test the emulator over HTTP (emulator, responses, batch): SDK clients on
the session's scripted emulator, private emulators, and validators for Azure's vendored OpenAPI specs. Each
folder's conftest imports the ones it uses."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2
import openai
import pytest
import yaml

API_VERSION = "2024-10-21"


def sdk_client(emu: Any, api_version: str | None = None, asynchronous: bool = False) -> Any:
    """An SDK client on ``emu`` that does not retry: ``AzureOpenAI`` on ``api_version`` (the classic routes), or
    the plain ``OpenAI`` client on ``/openai/v1/`` when it is None; their async forms when ``asynchronous``."""
    if api_version is None:
        v1_class = openai.AsyncOpenAI if asynchronous else openai.OpenAI
        return v1_class(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0)
    azure_class = openai.AsyncAzureOpenAI if asynchronous else openai.AzureOpenAI
    return azure_class(azure_endpoint=emu.url, api_key=emu.api_key, api_version=api_version, max_retries=0)


@pytest.fixture
def client(emulator: Any) -> Iterator[openai.AzureOpenAI]:
    with sdk_client(emulator, API_VERSION) as c:
        yield c


@pytest.fixture
async def aclient(emulator: Any) -> AsyncIterator[openai.AsyncAzureOpenAI]:
    async with sdk_client(emulator, API_VERSION, asynchronous=True) as c:
        yield c


@pytest.fixture
def v1(emulator: Any) -> Iterator[openai.OpenAI]:
    with sdk_client(emulator) as c:
        yield c


@pytest.fixture
async def av1(emulator: Any) -> AsyncIterator[openai.AsyncOpenAI]:
    async with sdk_client(emulator, asynchronous=True) as c:
        yield c


@pytest.fixture
def raw(emulator: Any) -> Iterator[httpx2.Client]:
    """A plain HTTP client with the key, for requests the SDK would not send."""
    with httpx2.Client(base_url=emulator.url, headers={"api-key": emulator.api_key}, timeout=30) as c:
        yield c


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Any]]:
    """Start private scripted emulators (for tests that change controls); all stopped at teardown."""
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


# --- OpenAPI 3.0 -> JSON Schema -------------------------------------------------------------------------------


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` becomes ``anyOf [schema, null]``; everything else is JSON Schema."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


class SpecValidator:
    """Validates instances against schemas inside one OpenAPI document (refs resolve within it)."""

    def __init__(self, document: dict[str, Any]) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resource = Resource.from_contents(
            _to_json_schema(copy.deepcopy(document)), default_specification=DRAFT202012
        )
        self._registry: Any = Registry().with_resource("urn:spec", resource)
        self._validators: dict[str, Any] = {}

    def validate_pointer(self, instance: Any, pointer: str) -> None:
        """Raise jsonschema.ValidationError unless ``instance`` matches the schema at JSON pointer ``pointer``."""
        import jsonschema

        validator = self._validators.get(pointer)
        if validator is None:
            validator = jsonschema.Draft202012Validator(
                {"$ref": f"urn:spec#{quote(pointer)}"}, registry=self._registry
            )
            self._validators[pointer] = validator
        validator.validate(instance)

    def validate_component(self, instance: Any, name: str) -> None:
        self.validate_pointer(instance, f"/components/schemas/{name}")

    def validate_response(
        self, instance: Any, path: str, method: str = "post", media: str = "application/json"
    ) -> None:
        escaped = path.replace("~", "~0").replace("/", "~1")
        media = media.replace("/", "~1")
        self.validate_pointer(instance, f"/paths/{escaped}/{method}/responses/200/content/{media}/schema")


@pytest.fixture(scope="session")
def spec_2024(specs_dir: Path) -> SpecValidator:
    path = specs_dir / "2024-10-21" / "inference.json"
    return SpecValidator(json.loads(path.read_text("utf-8")))


@pytest.fixture(scope="session")
def spec_v1(specs_dir: Path) -> SpecValidator:
    path = specs_dir / "v1" / "azure-v1-v1-generated.yaml"
    return SpecValidator(
        yaml.load(path.read_text("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    )
