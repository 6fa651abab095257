"""Fixtures for the real-model tests: one local engine set per session (each model loads once)."""

from __future__ import annotations

import pytest

from aoai_nb.emulator.engines import EngineSet


@pytest.fixture(scope="session")
def local_engines() -> EngineSet:
    from aoai_nb.emulator.engines.local import local_engine_set

    return local_engine_set()
