"""The emulator's configuration: deployments and teaching controls, from a YAML file over built-in defaults.

The defaults live in ``deployments.yaml`` next to this module (documented there, key by key). A user file
may set any subset of keys; ``deployments``, when given, replaces the default list.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field, replace
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from aoai_nb.models import ModelInfo, lookup

Capability = Literal["chat", "completions", "embeddings", "images", "transcription", "speech"]
CAPABILITIES: tuple[Capability, ...] = (
    "chat",
    "completions",
    "embeddings",
    "images",
    "transcription",
    "speech",
)
ENGINE_CHOICES = ("default", "scripted", "local", "auto")
FAULT_STATUSES = (408, 429, 500, 502, 503, 504)
MAX_LIMIT_SECONDS = 86_400.0  # the largest duration or timeout limit a config file may set
RETIRED_CHOICES = ("serve", "gone")
# The catalog family each capability serves (a deployment's model must belong to one of them).
CAPABILITY_FAMILIES: dict[str, tuple[str, ...]] = {
    "chat": ("chat", "reasoning"),
    "completions": ("completions",),
    "embeddings": ("embeddings",),
    "images": ("images",),
    "transcription": ("transcription",),
    "speech": ("speech",),
}


# Teaching controls' allowed ranges (config file, CLI and POST /aoai-nb/controls alike).
CONTROL_RANGES: dict[str, tuple[float, float]] = {
    "fault_retry_after_ms": (1, 120_000),  # the SDK ignores longer waits
    "fault_timeout_seconds": (0, 600),
    "first_token_ms": (0, 120_000),
    "per_token_ms": (0, 10_000),
    "stream_flush_ms": (0, 1_000),
}


LIMIT_KEYS = (
    "max_json_bytes",
    "max_audio_bytes",
    "image_cache",
    "stored_responses",
    "max_file_bytes",
    "max_files_bytes",
    "max_files",
    "max_batch_lines",
    "max_queued_generations",
)


class ConfigFileError(ValueError):
    """The configuration file is unreadable or has a bad value; the message names the key and the fix."""


def control_value(control: str, value: Any, where: str, name: str | None = None) -> float:
    """``value`` for teaching control ``control``: a finite number in its CONTROL_RANGES range."""
    low, high = CONTROL_RANGES[control]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigFileError(
            f"{where}: '{name or control}' must be a number from {low:g} to {high:g}, not {value!r}."
        )
    return float(value)


def public_url(value: Any, where: str) -> str:
    """An http(s) base URL without a path, query or fragment (``http://workshop.example:8000``)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.path.strip("/"):
        raise ConfigFileError(f"{where} must be an http(s) URL like http://host:8000, not {value!r}.")
    if parts.query or parts.fragment:
        raise ConfigFileError(f"{where} must be an http(s) URL like http://host:8000, not {value!r}.")
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class Deployment:
    name: str
    capability: Capability
    model: str
    engine: str = "default"  # default | scripted | local | auto
    tpm: int | None = None
    rpm: int | None = None

    @property
    def info(self) -> ModelInfo:
        """The catalog entry of this deployment's model (validated when the config was loaded)."""
        info = lookup(self.model)
        if info is None:
            raise ConfigFileError(_unknown_model(self.name, self.model))
        return info


@dataclass
class EmulatorConfig:
    deployments: tuple[Deployment, ...] = ()
    fault_rates: dict[int, float] = field(default_factory=dict)
    fault_retry_after_ms: int = 1000
    fault_timeout_seconds: float = 30.0
    fault_seed: int | None = None
    first_token_ms: float = 0.0
    per_token_ms: float = 0.0
    stream_flush_ms: float = 50.0
    filter_heuristic: bool = True
    max_json_bytes: int = 8 * 1024 * 1024
    max_audio_bytes: int = 25 * 1024 * 1024
    image_cache: int = 64
    max_audio_seconds: float = 1500.0  # per transcription; lower where the model's own limit is (audio.py)
    header_timeout_seconds: float = 30.0  # to send a request's headers (connections.py)
    body_timeout_seconds: float = 30.0  # of silence while a request's body is read (payloads.py)
    max_queued_generations: int = 8  # local engine: generations waiting for a slot before 429s (runtime.py)
    public_url: str | None = None  # base of generated image URLs; default: the address the server is bound to
    stored_responses: int = 1000
    max_file_bytes: int = 64 * 1024 * 1024  # one uploaded file (Azure: 200 MB for batch input)
    max_files_bytes: int = 256 * 1024 * 1024  # every uploaded file together
    max_files: int = 500  # uploaded files kept (Azure: 500 input files without expiry)
    max_batch_lines: int = 100_000  # requests in one batch input file (Azure's limit)
    region: str = "emulator"
    retired_models: str = "serve"  # serve | gone (410, as the service answers after retirement)
    lifecycle_today: date | None = None  # the day lifecycle is judged on; None: the machine's date

    def today(self) -> date:
        return self.lifecycle_today or _today(int(time.time()))

    @classmethod
    def default(cls) -> EmulatorConfig:
        text = resources.files("aoai_nb.emulator").joinpath("deployments.yaml").read_text("utf-8")
        return _apply(
            cls(), _load_yaml(text, "the built-in deployments.yaml"), "the built-in deployments.yaml"
        )

    @classmethod
    def from_file(cls, path: str | Path) -> EmulatorConfig:
        """The defaults, overridden by the keys present in ``path``."""
        path = Path(path)
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise ConfigFileError(f"Cannot read the emulator config {path}: {exc.strerror}.") from None
        return _apply(cls.default(), _load_yaml(text, str(path)), str(path))

    def with_changes(self, **changes: Any) -> EmulatorConfig:
        return replace(self, **changes)


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"{where} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"{where} must be a mapping with keys like 'deployments', 'faults', 'latency'.")
    return data


def _section(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigFileError(f"{where}: '{key}' must be a mapping.")
    return value


def _number(value: Any, key: str, where: str, *, minimum: float = 0.0, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < minimum:
        kind = "an integer" if integer else "a number"
        raise ConfigFileError(f"{where}: '{key}' must be {kind} >= {minimum:g}, not {value!r}.")
    return value


def parse_fault_rates(raw: Any, where: str) -> dict[int, float]:
    if not isinstance(raw, dict):
        raise ConfigFileError(f"{where}: fault rates must map a status to a probability, e.g. {{429: 0.1}}.")
    rates: dict[int, float] = {}
    for status, rate in raw.items():
        try:
            code = int(status)
        except (TypeError, ValueError):
            code = -1
        if code not in FAULT_STATUSES:
            raise ConfigFileError(f"{where}: fault status {status!r} is not one of {FAULT_STATUSES}.")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
            raise ConfigFileError(f"{where}: fault rate for {code} must be between 0 and 1, not {rate!r}.")
        if rate:
            rates[code] = float(rate)
    if sum(rates.values()) > 1:
        raise ConfigFileError(f"{where}: fault rates add up to more than 1 ({sum(rates.values()):g}).")
    return rates


def parse_deployment(raw: Any, where: str) -> Deployment:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise ConfigFileError(f"{where}: each deployment needs at least 'name' and 'capability'.")
    name = raw["name"]
    capability = raw.get("capability")
    if capability not in CAPABILITIES:
        raise ConfigFileError(
            f"{where}: deployment {name!r} has capability {capability!r}; use one of "
            f"{', '.join(CAPABILITIES)}."
        )
    engine = raw.get("engine") or "default"
    if engine not in ENGINE_CHOICES:
        raise ConfigFileError(
            f"{where}: deployment {name!r} has engine {engine!r}; use one of {', '.join(ENGINE_CHOICES)}."
        )
    limits = {}
    for key in ("tpm", "rpm"):
        value = raw.get(key)
        limits[key] = (
            None if value is None else int(_number(value, f"{name}.{key}", where, minimum=1, integer=True))
        )
    unknown = set(raw) - {"name", "capability", "model", "engine", "tpm", "rpm"}
    if unknown:
        raise ConfigFileError(f"{where}: deployment {name!r} has unknown keys {sorted(unknown)}.")
    model = str(raw.get("model") or name)
    info = lookup(model)
    if info is None:
        raise ConfigFileError(f"{where}: {_unknown_model(name, model)}")
    if info.family not in CAPABILITY_FAMILIES[capability]:
        raise ConfigFileError(
            f"{where}: deployment {name!r} serves {capability}, but its model {model!r} is a "
            f"{info.family} model; pick a model of family {' or '.join(CAPABILITY_FAMILIES[capability])}."
        )
    return Deployment(
        name=name,
        capability=capability,
        model=model,
        engine=engine,
        tpm=limits["tpm"],
        rpm=limits["rpm"],
    )


def _unknown_model(name: str, model: str) -> str:
    return (
        f"deployment {name!r} names model {model!r}, which the model catalog does not know; set 'model' to "
        "a catalog name such as gpt-5-mini or gpt-4o-mini-2024-07-18 (see aoai_nb/models/catalog.yaml)."
    )


def _lifecycle(data: dict[str, Any], where: str) -> dict[str, Any]:
    section = _section(data, "lifecycle", where)
    unknown = set(section) - {"retired", "today"}
    if unknown:
        raise ConfigFileError(f"{where}: 'lifecycle' has unknown keys {sorted(unknown)}; use retired, today.")
    changes: dict[str, Any] = {}
    if "retired" in section:
        if section["retired"] not in RETIRED_CHOICES:
            raise ConfigFileError(
                f"{where}: 'lifecycle.retired' must be serve or gone, not {section['retired']!r}."
            )
        changes["retired_models"] = section["retired"]
    if "today" in section:
        today = section["today"]
        if isinstance(today, str):  # a quoted date (or a JSON config)
            try:
                today = date.fromisoformat(today)
            except ValueError:
                pass
        if today is not None and not isinstance(today, date):
            raise ConfigFileError(f"{where}: 'lifecycle.today' must be a date (YYYY-MM-DD) or null.")
        changes["lifecycle_today"] = today
    return changes


def _apply(config: EmulatorConfig, data: dict[str, Any], where: str) -> EmulatorConfig:
    known = {
        "deployments",
        "faults",
        "latency",
        "content_filter",
        "limits",
        "region",
        "lifecycle",
        "public_url",
    }
    unknown = set(data) - known
    if unknown:
        raise ConfigFileError(f"{where}: unknown top-level keys {sorted(unknown)}; see deployments.yaml.")
    changes: dict[str, Any] = {}
    if "deployments" in data:
        raw = data["deployments"]
        if not isinstance(raw, list) or not raw:
            raise ConfigFileError(f"{where}: 'deployments' must be a non-empty list.")
        deployments = tuple(parse_deployment(item, where) for item in raw)
        names = [d.name for d in deployments]
        if len(set(names)) != len(names):
            raise ConfigFileError(f"{where}: deployment names must be unique: {names}.")
        changes["deployments"] = deployments
    faults = _section(data, "faults", where)
    if "rates" in faults:
        changes["fault_rates"] = parse_fault_rates(faults["rates"] or {}, where)
    if "retry_after_ms" in faults:
        value = _number(faults["retry_after_ms"], "faults.retry_after_ms", where, minimum=1, integer=True)
        changes["fault_retry_after_ms"] = int(
            control_value("fault_retry_after_ms", value, where, "faults.retry_after_ms")
        )
    if "timeout_seconds" in faults:
        changes["fault_timeout_seconds"] = control_value(
            "fault_timeout_seconds", faults["timeout_seconds"], where, "faults.timeout_seconds"
        )
    if "seed" in faults:
        seed = faults["seed"]
        changes["fault_seed"] = (
            None if seed is None else int(_number(seed, "faults.seed", where, integer=True))
        )
    latency = _section(data, "latency", where)
    for key in ("first_token_ms", "per_token_ms", "stream_flush_ms"):
        if key in latency:
            changes[key] = control_value(key, latency[key], where, f"latency.{key}")
    content_filter = _section(data, "content_filter", where)
    if "heuristic" in content_filter:
        if not isinstance(content_filter["heuristic"], bool):
            raise ConfigFileError(f"{where}: 'content_filter.heuristic' must be true or false.")
        changes["filter_heuristic"] = content_filter["heuristic"]
    limits = _section(data, "limits", where)
    for key in LIMIT_KEYS:
        if key in limits:
            changes[key] = int(_number(limits[key], f"limits.{key}", where, minimum=1, integer=True))
    for key in ("max_audio_seconds", "header_timeout_seconds", "body_timeout_seconds"):
        if key in limits:
            value = _number(limits[key], f"limits.{key}", where, minimum=0.1)
            if not math.isfinite(value) or value > MAX_LIMIT_SECONDS:
                raise ConfigFileError(f"{where}: 'limits.{key}' must be from 0.1 to {MAX_LIMIT_SECONDS:g} s.")
            changes[key] = float(value)
    if data.get("public_url") is not None:
        changes["public_url"] = public_url(data["public_url"], f"{where}: 'public_url'")
    if "region" in data:
        changes["region"] = str(data["region"])
    changes.update(_lifecycle(data, where))
    return replace(config, **changes)


@functools.lru_cache(maxsize=1)
def _today(second: int) -> date:
    """The machine's date, looked up once a second (``date.today()`` costs a microsecond per request)."""
    return date.today()
