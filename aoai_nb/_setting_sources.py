"""Where a setting's value comes from: an explicit argument, then the environment, then a ``.env`` file.

``Sources`` looks names up in that order and records, per setting, where each value was found (what
``Settings.describe()`` shows). The environment variable names are re-exported by ``aoai_nb.config``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from aoai_nb._capabilities import Capability

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


def _find_dotenv(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / ".env"
        if candidate.is_file():
            return candidate
    return None


def _read_dotenv(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


class Sources:
    """Looks a name up in explicit arguments, then the environment, then .env; records where it was found."""

    def __init__(
        self, environ: Mapping[str, str], dotenv: Mapping[str, str], dotenv_path: Path | None
    ) -> None:
        self.environ = environ
        self.dotenv = dotenv
        self.dotenv_label = f".env ({dotenv_path})" if dotenv_path else ".env"
        self.sources: dict[str, str] = {}

    @classmethod
    def open(cls, environ: Mapping[str, str] | None, dotenv: bool | str | Path) -> Sources:
        """``environ`` replaces ``os.environ`` when given; ``dotenv`` is ``True`` (search from the working
        directory upward), ``False`` (ignore .env files) or a path to a specific file."""
        if dotenv is True:
            dotenv_path = _find_dotenv(Path.cwd())
        elif dotenv is False:
            dotenv_path = None
        else:
            dotenv_path = Path(dotenv)
        values = _read_dotenv(dotenv_path) if dotenv_path else {}
        return cls(os.environ if environ is None else environ, values, dotenv_path)

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
