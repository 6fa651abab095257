"""Fixtures for the emulator's tests: SDK clients on the shared emulator, private emulators, spec validators."""

from tests.fixtures import aclient, av1, client, make_emulator, raw, spec_2024, spec_v1, v1

__all__ = ["aclient", "av1", "client", "make_emulator", "raw", "spec_2024", "spec_v1", "v1"]
