"""Fixtures for the Files and Batch tests: SDK clients on the session's scripted emulator, private emulators,
the v1 spec."""

from tests.fixtures import client, make_emulator, raw, spec_v1, v1

__all__ = ["client", "make_emulator", "raw", "spec_v1", "v1"]
