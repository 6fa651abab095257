"""Fixtures for the display tests: an SDK client on the session's scripted emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openai
import pytest


@pytest.fixture(scope="module")
def azure(emulator: Any) -> Iterator[openai.AzureOpenAI]:
    client = openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version="2024-10-21"
    )
    yield client
    client.close()
