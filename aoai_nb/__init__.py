"""aoai_nb: Azure OpenAI from Python in Jupyter.

Public names are imported lazily so that ``import aoai_nb`` stays light (no pandas, matplotlib, IPython,
ipywidgets, model runtimes or the emulator's server stack until you use them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from aoai_nb._version import __version__

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "ConfigError": "aoai_nb.config",
    "DoctorReport": "aoai_nb.doctor",
    "EmbeddingBatchError": "aoai_nb.embeddings._embed",
    "ErrorReport": "aoai_nb.display._errors",
    "FilterReport": "aoai_nb.display._filters",
    "SemanticIndex": "aoai_nb.embeddings._index",
    "Settings": "aoai_nb.config",
    "StreamResult": "aoai_nb.display._live",
    "UnknownModelWarning": "aoai_nb.chat._args",
    "UsageTracker": "aoai_nb.display._usage",
    "chat_args": "aoai_nb.chat._args",
    "chat_widget": "aoai_nb.chat._widget",
    "cosine_similarity": "aoai_nb.embeddings._similarity",
    "doctor": "aoai_nb.doctor",
    "embed": "aoai_nb.embeddings._embed",
    "explain": "aoai_nb.display._errors",
    "load_settings": "aoai_nb.config",
    "make_async_client": "aoai_nb.client",
    "make_client": "aoai_nb.client",
    "plot_projection": "aoai_nb.embeddings._plots",
    "rank": "aoai_nb.embeddings._similarity",
    "show": "aoai_nb.display",
    "similarity_heatmap": "aoai_nb.embeddings._plots",
    "similarity_matrix": "aoai_nb.embeddings._similarity",
    "status_table": "aoai_nb.display._status_table",
    "stream": "aoai_nb.display",
    "usage_table": "aoai_nb.display._usage",
    "view": "aoai_nb.display",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.chat._args import UnknownModelWarning, chat_args
    from aoai_nb.chat._widget import chat_widget
    from aoai_nb.client import make_async_client, make_client
    from aoai_nb.config import ConfigError, Settings, load_settings
    from aoai_nb.display import show, stream, view
    from aoai_nb.display._errors import ErrorReport, explain
    from aoai_nb.display._filters import FilterReport
    from aoai_nb.display._live import StreamResult
    from aoai_nb.display._status_table import status_table
    from aoai_nb.display._usage import UsageTracker, usage_table
    from aoai_nb.embeddings._embed import EmbeddingBatchError, embed
    from aoai_nb.embeddings._index import SemanticIndex
    from aoai_nb.embeddings._plots import plot_projection, similarity_heatmap
    from aoai_nb.embeddings._similarity import cosine_similarity, rank, similarity_matrix


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
    from aoai_nb.chat._magics import load_ipython_extension as _load

    _load(ipython)
