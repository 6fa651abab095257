"""Engine sets: which implementation serves each capability.

``load_engine_set("scripted")`` is deterministic and needs no extra packages; ``"local"`` uses the real small
models of the ``[local]`` extra (each loads lazily on its first request); ``"auto"`` picks local when its packages
are importable and scripted otherwise. Each kind is registered below by the module and function that build it,
so an engine family is imported only when it is asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Literal

from aoai_nb.emulator.engines.base import EngineSet

__all__ = ["ENGINE_KINDS", "EngineKind", "EngineSet", "load_engine_set"]

EngineKind = Literal["scripted", "local", "auto"]


@dataclass(frozen=True)
class _Family:
    module: str
    build: str  # () -> EngineSet; raises EngineUnavailable naming the install command
    available: str | None = None  # () -> bool, cheap (imports nothing heavy); None: always available


ENGINE_KINDS: dict[str, _Family] = {
    "scripted": _Family("aoai_nb.emulator.engines.scripted", "scripted_engine_set"),
    "local": _Family("aoai_nb.emulator.engines.local", "local_engine_set", "local_available"),
}
_AUTO_ORDER = ("local", "scripted")  # the first available family serves "auto"


def _available(family: _Family) -> bool:
    if family.available is None:
        return True
    return bool(getattr(importlib.import_module(family.module), family.available)())


def load_engine_set(kind: EngineKind = "auto") -> EngineSet:
    name: str = kind
    if name == "auto":
        name = next(k for k in _AUTO_ORDER if _available(ENGINE_KINDS[k]))
    family = ENGINE_KINDS.get(name)
    if family is None:
        raise ValueError(f"Unknown engine kind {kind!r}: use 'scripted', 'local' or 'auto'.")
    build = getattr(importlib.import_module(family.module), family.build)
    engine_set: EngineSet = build()
    return engine_set
