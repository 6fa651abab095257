"""The model catalog: each Azure OpenAI model's family, parameter rules and lifecycle, from ``catalog.yaml``.

One source of truth for the emulator's model rules, ``GET /openai/models``, ``doctor`` and the helpers. The
YAML is parsed on first use and cached; importing this module is cheap. ``lookup`` finds a model from any
name a service reports (``gpt-5-mini``, ``gpt-5-mini-2025-08-07``, ``GPT-4o-mini-2024-07-18``, ``whisper-1``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Literal

Family = Literal["chat", "reasoning", "completions", "embeddings", "images", "transcription", "speech"]
FAMILIES: tuple[Family, ...] = (
    "chat",
    "reasoning",
    "completions",
    "embeddings",
    "images",
    "transcription",
    "speech",
)
LIFECYCLES = ("preview", "ga", "legacy", "deprecated", "retired")
CAPABILITIES = (
    "chat_completion",
    "completion",
    "responses",
    "streaming",
    "tools",
    "vision",
    "embeddings",
    "image_generation",
    "image_edit",
    "transcription",
    "translation",
    "diarization",
    "speech",
)
RETIRING_WITHIN = timedelta(days=90)  # status_on() says "retiring" this close to the retirement date

# What may follow a model name in a reported id: a dated or numbered version (-2025-08-07, -0914, -001, -3.0).
_VERSION_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d+(\.\d+)?)")


class CatalogError(ValueError):
    """catalog.yaml is malformed; the message names the model and the field."""


@dataclass(frozen=True)
class ModelInfo:
    """One model as the catalog describes it (see catalog.yaml's header for every field's meaning)."""

    name: str
    version: str
    family: Family
    capabilities: tuple[str, ...]
    lifecycle: str
    deprecation: date | None
    retirement: date | None
    replacement: str | None
    rejected_params: tuple[str, ...] = ()
    fixed_params: Mapping[str, Any] = field(default_factory=dict)
    reasoning_efforts: tuple[str, ...] = ()
    default_reasoning_effort: str | None = None
    response_formats: tuple[str, ...] = ()
    allowed_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    voices: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    limits: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    released: date | None = None
    sources: tuple[str, ...] = ()
    notes: str = ""

    @property
    def is_reasoning(self) -> bool:
        """True for reasoning models (gpt-5 family, o-series): max_completion_tokens, fixed sampling."""
        return self.family == "reasoning"

    @property
    def model_id(self) -> str:
        """``name-version`` for dated versions (what chat answers report), else the name."""
        return (
            f"{self.name}-{self.version}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.version) else self.name
        )

    def status_on(self, day: date) -> str:
        """``"retired"`` on or after the retirement date, ``"retiring"`` within 90 days of it, else ``"fine"``."""
        if self.retirement is None:
            return "fine"
        if day >= self.retirement:
            return "retired"
        if day >= self.retirement - RETIRING_WITHIN:
            return "retiring"
        return "fine"

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


def catalog_as_of() -> date:
    """The day the catalog's lifecycle stages describe."""
    return _load()[1]


def load_catalog() -> Mapping[str, ModelInfo]:
    """Every model in the catalog, by name (read-only, parsed once)."""
    return _load()[0]


def lookup(model: str) -> ModelInfo | None:
    """The catalog entry for ``model`` as a service reports it, or None.

    Case-insensitive. Matches a name or alias exactly, or a name followed by a version suffix
    (``-2025-08-07``, ``-0914``, ``-001``, ``-3.0``); the longest matching name wins, so
    ``gpt-4o-mini-2024-07-18`` is gpt-4o-mini, not gpt-4o, and ``gpt-5-pro`` is nothing.
    """
    return _lookup(model.strip().lower())


@lru_cache(maxsize=1024)  # the catalog never changes once parsed; the emulator looks a model up per request
def _lookup(wanted: str) -> ModelInfo | None:
    best: ModelInfo | None = None
    best_length = -1
    for info in load_catalog().values():
        for name in (info.name, *info.aliases):
            key = name.lower()
            if len(key) <= best_length or not wanted.startswith(key):
                continue
            rest = wanted[len(key) :]
            if not rest or _VERSION_SUFFIX.fullmatch(rest):
                best, best_length = info, len(key)
    return best


@cache
def _load() -> tuple[Mapping[str, ModelInfo], date]:
    import yaml  # lazy: keeps `import aoai_nb` light

    text = resources.files("aoai_nb.models").joinpath("catalog.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise CatalogError("catalog.yaml must be a mapping with a 'models' mapping.")
    as_of = data.get("as_of")
    if not isinstance(as_of, date):
        raise CatalogError("catalog.yaml needs 'as_of' as a date (YYYY-MM-DD).")
    models = {name: _parse(str(name), raw) for name, raw in data["models"].items()}
    return MappingProxyType(models), as_of


_FIELDS = {
    "version",
    "family",
    "capabilities",
    "lifecycle",
    "deprecation",
    "retirement",
    "replacement",
    "rejected_params",
    "fixed_params",
    "reasoning_efforts",
    "default_reasoning_effort",
    "response_formats",
    "allowed_values",
    "voices",
    "sizes",
    "limits",
    "aliases",
    "released",
    "sources",
    "notes",
}


def _parse(name: str, raw: Any) -> ModelInfo:
    if not isinstance(raw, dict):
        raise CatalogError(f"catalog.yaml: model {name!r} must be a mapping.")
    unknown = set(raw) - _FIELDS
    if unknown:
        raise CatalogError(f"catalog.yaml: model {name!r} has unknown fields {sorted(unknown)}.")
    family = raw.get("family")
    if family not in FAMILIES:
        raise CatalogError(f"catalog.yaml: model {name!r} has family {family!r}; use one of {FAMILIES}.")
    lifecycle = raw.get("lifecycle")
    if lifecycle not in LIFECYCLES:
        raise CatalogError(
            f"catalog.yaml: model {name!r} has lifecycle {lifecycle!r}; use one of {LIFECYCLES}."
        )
    capabilities = _strings(name, raw, "capabilities")
    odd = set(capabilities) - set(CAPABILITIES)
    if odd:
        raise CatalogError(f"catalog.yaml: model {name!r} has unknown capabilities {sorted(odd)}.")
    allowed = raw.get("allowed_values") or {}
    if not isinstance(allowed, dict):
        raise CatalogError(f"catalog.yaml: model {name!r}: 'allowed_values' must be a mapping.")
    return ModelInfo(
        name=name,
        version=str(raw.get("version") or ""),
        family=family,
        capabilities=capabilities,
        lifecycle=lifecycle,
        deprecation=_date(name, raw, "deprecation"),
        retirement=_date(name, raw, "retirement"),
        replacement=raw.get("replacement"),
        rejected_params=_strings(name, raw, "rejected_params"),
        fixed_params=MappingProxyType(dict(_mapping(name, raw, "fixed_params"))),
        reasoning_efforts=_strings(name, raw, "reasoning_efforts"),
        default_reasoning_effort=raw.get("default_reasoning_effort"),
        response_formats=_strings(name, raw, "response_formats"),
        allowed_values=MappingProxyType({str(k): tuple(str(v) for v in vs) for k, vs in allowed.items()}),
        voices=_strings(name, raw, "voices"),
        sizes=_strings(name, raw, "sizes"),
        limits=MappingProxyType(dict(_mapping(name, raw, "limits"))),
        aliases=_strings(name, raw, "aliases"),
        released=_date(name, raw, "released"),
        sources=_strings(name, raw, "sources"),
        notes=str(raw.get("notes") or ""),
    )


def _strings(name: str, raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"catalog.yaml: model {name!r}: {key!r} must be a list of strings.")
    return tuple(value)


def _mapping(name: str, raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise CatalogError(f"catalog.yaml: model {name!r}: {key!r} must be a mapping.")
    return value


def _date(name: str, raw: dict[str, Any], key: str) -> date | None:
    value = raw.get(key)
    if value is None or isinstance(value, date):
        return value
    raise CatalogError(
        f"catalog.yaml: model {name!r}: {key!r} must be a date (YYYY-MM-DD) or null, not {value!r}."
    )


__all__ = [
    "CAPABILITIES",
    "FAMILIES",
    "LIFECYCLES",
    "CatalogError",
    "ModelInfo",
    "catalog_as_of",
    "load_catalog",
    "lookup",
]
