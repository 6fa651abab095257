"""Settings: explicit arguments, then the environment, then a ``.env`` file found from the working directory upward.

Every value remembers where it came from (``Settings.describe()``); the API key is held in a ``Secret`` whose
repr never shows it. ``load_settings`` checks for the drifts people hit most and raises one ``ConfigError``
listing each problem with its fix.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

AuthMode = Literal["key", "entra", "auto"]
Flavour = Literal["classic", "v1"]
Capability = Literal[
    "chat",
    "classic_chat",
    "embeddings",
    "images",
    "classic_images",
    "transcription",
    "classic_transcription",
    "diarization",
    "speech",
    "classic_speech",
    "completions",
]

LATEST_GA_API_VERSION = "2024-10-21"
ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"
CAPABILITIES: tuple[Capability, ...] = (
    "chat",
    "classic_chat",
    "embeddings",
    "images",
    "classic_images",
    "transcription",
    "classic_transcription",
    "diarization",
    "speech",
    "classic_speech",
    "completions",
)
# Each capability's default deployment: what a workshop deploys on a resource created today, and the
# previous generation ("classic_*": a non-reasoning chat model, dall-e-3, whisper, tts) for the notebooks that
# show both. The names match the emulator's default deployments (aoai_nb/emulator/deployments.yaml).
DEFAULT_DEPLOYMENTS: dict[Capability, str] = {
    "chat": "gpt-5-mini",
    "classic_chat": "gpt-4o",
    "embeddings": "text-embedding-3-small",
    "images": "gpt-image-1-mini",
    "classic_images": "dall-e-3",
    "transcription": "gpt-4o-mini-transcribe",
    "classic_transcription": "whisper",
    "diarization": "gpt-4o-transcribe-diarize",
    "speech": "gpt-4o-mini-tts",
    "classic_speech": "tts",
    "completions": "gpt-35-turbo-instruct",
}
# The capability family each capability's deployments answer (what doctor probes them with).
BASE_CAPABILITY: dict[Capability, str] = {
    "classic_chat": "chat",
    "classic_images": "images",
    "classic_transcription": "transcription",
    "diarization": "transcription",
    "classic_speech": "speech",
}

# Environment variable for each setting. Deployment variables follow AZURE_OPENAI_<CAPABILITY>_DEPLOYMENT.
ENV_ENDPOINT = "AZURE_OPENAI_ENDPOINT"
ENV_API_KEY = "AZURE_OPENAI_API_KEY"
ENV_API_VERSION = "OPENAI_API_VERSION"
ENV_AUTH = "AOAI_NB_AUTH"
ENV_FLAVOUR = "AOAI_NB_FLAVOUR"
ENV_HTTP_LOG = "AOAI_NB_HTTP_LOG"
# Which model a deployment runs, for deployments whose name is not the model's: "my-chat=gpt-5-mini,old=gpt-4o"
ENV_DEPLOYMENT_MODELS = "AOAI_NB_DEPLOYMENT_MODELS"


def deployment_env(capability: Capability) -> str:
    return f"AZURE_OPENAI_{capability.upper()}_DEPLOYMENT"


_DATED_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_V1_VERSIONS = ("v1", "preview")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
HTTP_LOG_LEVELS = ("none", "basic", "headers", "body", "body_and_headers")


class ConfigError(ValueError):
    """The configuration cannot work as given; the message says what was found and how to fix it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{len(problems)} configuration problems:\n" + "\n".join(f"- {p}" for p in problems)
        super().__init__(message)


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks. ``reveal()`` returns it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Deployments:
    """The deployment name per capability. ``classic_*`` name the previous generation's deployments."""

    chat: str = DEFAULT_DEPLOYMENTS["chat"]
    classic_chat: str = DEFAULT_DEPLOYMENTS["classic_chat"]
    embeddings: str = DEFAULT_DEPLOYMENTS["embeddings"]
    images: str = DEFAULT_DEPLOYMENTS["images"]
    classic_images: str = DEFAULT_DEPLOYMENTS["classic_images"]
    transcription: str = DEFAULT_DEPLOYMENTS["transcription"]
    classic_transcription: str = DEFAULT_DEPLOYMENTS["classic_transcription"]
    diarization: str = DEFAULT_DEPLOYMENTS["diarization"]
    speech: str = DEFAULT_DEPLOYMENTS["speech"]
    classic_speech: str = DEFAULT_DEPLOYMENTS["classic_speech"]
    completions: str = DEFAULT_DEPLOYMENTS["completions"]

    def for_capability(self, capability: Capability) -> str:
        if capability not in CAPABILITIES:
            raise ValueError(f"Unknown capability {capability!r}: use one of {', '.join(CAPABILITIES)}.")
        name: str = getattr(self, capability)
        return name


@dataclass(frozen=True)
class Settings:
    endpoint: str | None
    api_key: Secret | None = field(repr=False)
    api_version: str
    auth: AuthMode
    flavour: Flavour
    deployments: Deployments
    http_log: str = "none"
    sources: Mapping[str, str] = field(default_factory=dict, repr=False)
    deployment_models: Mapping[str, str] = field(default_factory=dict)  # deployment name -> model name

    @property
    def uses_emulator(self) -> bool:
        """True when no Azure endpoint is configured anywhere: the local emulator is the embedded default."""
        return self.endpoint is None

    @property
    def resolved_auth(self) -> Literal["key", "entra"]:
        """``auto`` means the key when one is configured, Microsoft Entra ID otherwise."""
        if self.auth == "auto":
            return "key" if self.api_key is not None else "entra"
        return self.auth

    def describe(self) -> str:
        """One line per setting with its value and where it came from. The key is shown only as set/unset."""
        rows: list[tuple[str, str]] = [
            ("endpoint", self.endpoint or "(none: the local emulator)"),
            ("api_key", "(set)" if self.api_key is not None else "(not set)"),
            ("api_version", self.api_version),
            ("auth", "the emulator's key" if self.uses_emulator else f"{self.auth} -> {self.resolved_auth}"),
            ("flavour", self.flavour),
            ("http_log", self.http_log),
        ]
        rows += [(f"deployments.{c}", self.deployments.for_capability(c)) for c in CAPABILITIES]
        if self.deployment_models:
            models = ", ".join(f"{name}={model}" for name, model in self.deployment_models.items())
            rows.append(("deployment_models", models))
        width = max(len(name) for name, _ in rows)
        return "\n".join(
            f"{name:<{width}}  {value}  [{self.sources.get(name, 'default')}]" for name, value in rows
        )


def _find_dotenv(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def _read_dotenv(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class _Sources:
    """Looks a name up in explicit arguments, then the environment, then .env; records where it was found."""

    def __init__(
        self, environ: Mapping[str, str], dotenv: Mapping[str, str], dotenv_path: Path | None
    ) -> None:
        self.environ = environ
        self.dotenv = dotenv
        self.dotenv_label = f".env ({dotenv_path})" if dotenv_path else ".env"
        self.sources: dict[str, str] = {}

    def env(self, name: str) -> tuple[str | None, str]:
        if name in self.environ:
            return self.environ[name], f"environment {name}"
        if name in self.dotenv:
            return self.dotenv[name], f"{self.dotenv_label} {name}"
        return None, "default"

    def pick(self, setting: str, explicit: str | None, env_name: str, default: str | None) -> str | None:
        if explicit is not None:
            self.sources[setting] = "argument"
            return explicit
        value, source = self.env(env_name)
        if value is not None and value.strip() != "":
            self.sources[setting] = source
            return value.strip()
        self.sources[setting] = "default"
        return default


def load_settings(
    *,
    endpoint: str | None = None,
    api_key: str | None = None,
    api_version: str | None = None,
    auth: AuthMode | None = None,
    flavour: Flavour | None = None,
    deployments: Mapping[str, str] | None = None,
    http_log: str | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: bool | str | Path = True,
) -> Settings:
    """Resolve settings: explicit arguments > environment > ``.env`` > defaults.

    ``environ`` replaces ``os.environ`` (for tests); ``dotenv`` is ``True`` (search from the working directory
    upward), ``False`` (ignore .env files) or a path to a specific file.
    """
    env = os.environ if environ is None else environ
    if dotenv is True:
        dotenv_path = _find_dotenv(Path.cwd())
    elif dotenv is False:
        dotenv_path = None
    else:
        dotenv_path = Path(dotenv)
    dotenv_values = _read_dotenv(dotenv_path) if dotenv_path else {}
    src = _Sources(env, dotenv_values, dotenv_path)
    problems: list[str] = []

    endpoint_value = src.pick("endpoint", endpoint, ENV_ENDPOINT, None)
    key_value = src.pick("api_key", api_key, ENV_API_KEY, None)
    auth_value = src.pick("auth", auth, ENV_AUTH, "auto") or "auto"
    flavour_value = src.pick("flavour", flavour, ENV_FLAVOUR, "classic") or "classic"
    log_value = (src.pick("http_log", http_log, ENV_HTTP_LOG, "none") or "none").lower()
    version_default = "v1" if flavour_value == "v1" else LATEST_GA_API_VERSION
    version_value = src.pick("api_version", api_version, ENV_API_VERSION, version_default) or version_default

    if auth_value not in ("key", "entra", "auto"):
        problems.append(
            f"auth is {auth_value!r} ({src.sources['auth']}): use 'key', 'entra' or 'auto' (key when one is set)."
        )
    if flavour_value not in ("classic", "v1"):
        problems.append(
            f"flavour is {flavour_value!r} ({src.sources['flavour']}): use 'classic' "
            "(/openai/deployments/...?api-version=) or 'v1' (/openai/v1/)."
        )
    if log_value not in HTTP_LOG_LEVELS:
        problems.append(
            f"http_log is {log_value!r} ({src.sources['http_log']}): use one of {', '.join(HTTP_LOG_LEVELS)}."
        )
    if endpoint_value is not None:
        endpoint_value = _check_endpoint(endpoint_value, src.sources["endpoint"], problems)
    _check_api_version(version_value, flavour_value, src.sources["api_version"], problems)
    _check_key_drift(src, endpoint_value, key_value, auth_value, problems)

    names: dict[str, str] = {}
    for capability in CAPABILITIES:
        explicit = (deployments or {}).get(capability)
        if explicit is None:
            raw, where = src.env(deployment_env(capability))
            explicit_blank = raw is not None and not raw.strip()
        name = src.pick(f"deployments.{capability}", explicit, deployment_env(capability), None)
        if explicit is None and explicit_blank:
            problems.append(
                f"{deployment_env(capability)} is empty ({where}): set it to the {capability} deployment's name "
                "as shown in the Azure AI Foundry portal under Deployments, or unset it to use the default "
                f"{DEFAULT_DEPLOYMENTS[capability]!r}."
            )
        elif name is None:
            names[capability] = DEFAULT_DEPLOYMENTS[capability]
        elif not name.strip() or "/" in name:
            problems.append(
                f"The {capability} deployment name is {name!r} ({src.sources[f'deployments.{capability}']}): "
                f"set {deployment_env(capability)} to the deployment's name as shown in the Azure AI Foundry "
                "portal under Deployments (a name, not a URL)."
            )
        else:
            names[capability] = name.strip()
    models_value = src.pick("deployment_models", None, ENV_DEPLOYMENT_MODELS, None)
    deployment_models = _parse_deployment_models(models_value, src.sources["deployment_models"], problems)
    unknown = set(deployments or {}) - set(CAPABILITIES)
    if unknown:
        problems.append(
            f"Unknown capability in deployments: {', '.join(sorted(unknown))}; use {', '.join(CAPABILITIES)}."
        )
    if problems:
        raise ConfigError(problems)
    return Settings(
        endpoint=endpoint_value,
        api_key=Secret(key_value) if key_value else None,
        api_version=version_value,
        auth=auth_value,  # type: ignore[arg-type]  # validated above
        flavour=flavour_value,  # type: ignore[arg-type]
        deployments=Deployments(**names),
        http_log=log_value,
        sources=dict(src.sources),
        deployment_models=deployment_models,
    )


def _parse_deployment_models(value: str | None, source: str, problems: list[str]) -> dict[str, str]:
    """``"my-chat=gpt-5-mini, old=gpt-4o"`` -> {"my-chat": "gpt-5-mini", "old": "gpt-4o"}."""
    pairs: dict[str, str] = {}
    for item in (value or "").split(","):
        if not item.strip():
            continue
        name, sep, model = item.partition("=")
        if not sep or not name.strip() or not model.strip():
            problems.append(
                f"{ENV_DEPLOYMENT_MODELS} has {item.strip()!r} ({source}): write deployment=model pairs separated "
                "by commas, e.g. my-chat=gpt-5-mini,my-images=gpt-image-1-mini."
            )
            continue
        pairs[name.strip()] = model.strip()
    return pairs


def _check_endpoint(value: str, source: str, problems: list[str]) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems.append(
            f"The endpoint {value!r} ({source}) is not a URL: use your resource's endpoint, "
            "e.g. https://my-resource.openai.azure.com (Azure portal > your resource > Keys and Endpoint)."
        )
        return value
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    if path.startswith("/openai") or parts.query:
        problems.append(
            f"The endpoint ({source}) already contains {path + ('?' + parts.query if parts.query else '')!r}: "
            f"set it to {base} only; the SDK adds /openai/deployments/<name>/... and the api-version itself."
        )
    elif path:
        problems.append(f"The endpoint ({source}) has a path {path!r}: set it to {base} only.")
    if parts.scheme == "http" and parts.hostname not in _LOCAL_HOSTS:
        problems.append(
            f"The endpoint ({source}) uses plain http to {parts.hostname}: Azure OpenAI only answers https, and "
            "your key would travel unencrypted. Use https:// (plain http is allowed only for localhost)."
        )
    return base


def _check_api_version(version: str, flavour: str, source: str, problems: list[str]) -> None:
    if flavour == "v1":
        if _DATED_VERSION.match(version):
            problems.append(
                f"api_version {version!r} ({source}) is a dated version, but the v1 flavour (/openai/v1/) takes "
                "none (Azure answers 400 'API version not supported'). Unset OPENAI_API_VERSION, or use "
                "flavour='classic' to keep dated versions."
            )
        elif version not in _V1_VERSIONS:
            problems.append(
                f"api_version {version!r} ({source}) is not valid for /openai/v1/: use 'v1' or 'preview'."
            )
    elif not _DATED_VERSION.match(version):
        problems.append(
            f"api_version {version!r} ({source}) is malformed: use a dated version like "
            f"{LATEST_GA_API_VERSION} (the latest GA) or 2025-01-01-preview."
        )


def _check_key_drift(
    src: _Sources, endpoint: str | None, key: str | None, auth: str, problems: list[str]
) -> None:
    if key is not None or auth == "entra" or endpoint is None:
        return
    old_key, where = src.env("AZURE_OPENAI_KEY")
    if old_key:
        problems.append(
            f"AZURE_OPENAI_KEY is set ({where}), but this toolkit and the openai SDK read AZURE_OPENAI_API_KEY: "
            "rename the variable to AZURE_OPENAI_API_KEY."
        )
        return
    openai_key, where = src.env("OPENAI_API_KEY")
    if openai_key:
        problems.append(
            f"OPENAI_API_KEY is set ({where}), but that key is for api.openai.com; an Azure resource's key goes in "
            "AZURE_OPENAI_API_KEY (Azure portal > your resource > Keys and Endpoint)."
        )
    elif auth == "key":
        problems.append(
            "auth is 'key' but no key is configured: set AZURE_OPENAI_API_KEY, or use auth='entra' after "
            "`az login` (keyless, with the 'Cognitive Services OpenAI User' role)."
        )
