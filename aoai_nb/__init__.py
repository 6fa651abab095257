"""aoai_nb: Azure OpenAI from Python in Jupyter.

Public names are imported lazily so that ``import aoai_nb`` stays light (no pandas, matplotlib, IPython,
ipywidgets, model runtimes or the emulator's server stack until you use them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ConfigError": "aoai_nb.config",
    "Settings": "aoai_nb.config",
    "load_settings": "aoai_nb.config",
    "make_async_client": "aoai_nb.client",
    "make_client": "aoai_nb.client",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.client import make_async_client, make_client
    from aoai_nb.config import ConfigError, Settings, load_settings


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aoai_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext aoai_nb`` registers the %%chat magics."""
    from aoai_nb.magics import load_ipython_extension as _load

    _load(ipython)
