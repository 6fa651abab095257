"""An Azure OpenAI emulator on localhost: ``Emulator(...).start()`` in-process, ``aoai-nb emulator`` from a shell.

Importing this package is light; the server stack (Starlette, uvicorn) and the engines load on ``start()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Emulator", "EmulatorConfig"]

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.emulator.config import EmulatorConfig
    from aoai_nb.emulator.server import Emulator


def __getattr__(name: str) -> Any:
    if name == "Emulator":
        from aoai_nb.emulator.server import Emulator

        return Emulator
    if name == "EmulatorConfig":
        from aoai_nb.emulator.config import EmulatorConfig

        return EmulatorConfig
    raise AttributeError(f"module 'aoai_nb.emulator' has no attribute {name!r}")
