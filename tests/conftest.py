"""Shared fixtures: one scripted emulator on a real loopback socket for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

# Azure's OpenAPI specs, vendored (MIT; source and commits in the folder's README.md).
SPECS = Path(__file__).resolve().parent / "specs" / "azure-openai"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:  # type: ignore[name-defined]  # noqa: F821
    """A scripted-engine emulator with auth on, shared by the session. Tests must not change its settings;
    start a private ``Emulator`` for that."""
    from aoai_nb.emulator import Emulator

    emu = Emulator(engine="scripted").start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(scope="session")
def specs_dir() -> Path:
    """The vendored Azure OpenAI specs (part of the repository: a missing file is a failure, not a skip)."""
    return SPECS
