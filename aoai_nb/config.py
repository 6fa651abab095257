"""Settings: explicit arguments, then the environment, then a ``.env`` file found from the working directory upward.

Every value remembers where it came from (``Settings.describe()``); the API key is held in a ``Secret`` whose
repr never shows it. ``load_settings`` checks for the drifts people hit most and raises one ``ConfigError``
listing each problem with its fix.

This module is the public face of the settings; the parts live beside it: the capabilities and their default
deployments (``_capabilities``), where a value comes from (``_setting_sources``) and the checks
(``_setting_checks``). Every name in ``__all__`` imports from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from aoai_nb._capabilities import BASE_CAPABILITY, CAPABILITIES, DEFAULT_DEPLOYMENTS, Capability, Deployments
from aoai_nb._setting_checks import (
    HTTP_LOG_LEVELS,
    LATEST_GA_API_VERSION,
    AuthMode,
    Flavour,
    check_api_version,
    check_capability_names,
    check_choices,
    check_endpoint,
    check_key_drift,
    deployment_names,
    parse_deployment_models,
)
from aoai_nb._setting_sources import (
    ENV_API_KEY,
    ENV_API_VERSION,
    ENV_AUTH,
    ENV_DEPLOYMENT_MODELS,
    ENV_ENDPOINT,
    ENV_FLAVOUR,
    ENV_HTTP_LOG,
    Sources,
    deployment_env,
)

__all__ = [
    "BASE_CAPABILITY",
    "CAPABILITIES",
    "DEFAULT_DEPLOYMENTS",
    "ENTRA_SCOPE",
    "ENV_API_KEY",
    "ENV_API_VERSION",
    "ENV_AUTH",
    "ENV_DEPLOYMENT_MODELS",
    "ENV_ENDPOINT",
    "ENV_FLAVOUR",
    "ENV_HTTP_LOG",
    "HTTP_LOG_LEVELS",
    "LATEST_GA_API_VERSION",
    "AuthMode",
    "Capability",
    "ConfigError",
    "Deployments",
    "Flavour",
    "Secret",
    "Settings",
    "deployment_env",
    "load_settings",
]

ENTRA_SCOPE = "https://cognitiveservices.azure.com/.default"


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
    src = Sources.open(environ, dotenv)
    problems: list[str] = []

    endpoint_value = src.pick("endpoint", endpoint, ENV_ENDPOINT, None)
    key_value = src.pick("api_key", api_key, ENV_API_KEY, None)
    auth_value = src.pick("auth", auth, ENV_AUTH, "auto") or "auto"
    flavour_value = src.pick("flavour", flavour, ENV_FLAVOUR, "classic") or "classic"
    log_value = (src.pick("http_log", http_log, ENV_HTTP_LOG, "none") or "none").lower()
    version_default = "v1" if flavour_value == "v1" else LATEST_GA_API_VERSION
    version_value = src.pick("api_version", api_version, ENV_API_VERSION, version_default) or version_default

    check_choices(src, auth_value, flavour_value, log_value, problems)
    if endpoint_value is not None:
        endpoint_value = check_endpoint(endpoint_value, src.sources["endpoint"], problems)
    check_api_version(version_value, flavour_value, src.sources["api_version"], problems)
    check_key_drift(src, endpoint_value, key_value, auth_value, problems)
    names = deployment_names(src, deployments or {}, problems)
    models_value = src.pick("deployment_models", None, ENV_DEPLOYMENT_MODELS, None)
    deployment_models = parse_deployment_models(models_value, src.sources["deployment_models"], problems)
    check_capability_names(deployments or {}, problems)
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
