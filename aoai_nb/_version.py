"""The package version, in one place (read by the emulator without importing the package's public surface)."""

__version__ = "0.1.0"
