"""Shared fixtures: one scripted emulator on a real loopback socket for the whole session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_SPECS = Path(__file__).resolve().parents[1].parent / "shared" / "specs" / "azure-openai"


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
    if not SHARED_SPECS.is_dir():
        pytest.skip(f"the Azure OpenAI specs are not at {SHARED_SPECS} (they come from ../shared/specs)")
    return SHARED_SPECS
