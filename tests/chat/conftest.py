"""Fixtures for the chat tests: an SDK client on the session's scripted emulator (as for the display tests)."""

from tests.display.conftest import azure

__all__ = ["azure"]
