"""The values each setting accepts, and the checks for the drifts people hit most.

Each check appends a problem (what was found, where, and the fix) to ``problems`` instead of raising, so that
``load_settings`` reports every problem at once in one ``ConfigError``. The public names are re-exported by
``aoai_nb.config``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal, get_args
from urllib.parse import urlsplit

from aoai_nb._capabilities import CAPABILITIES, DEFAULT_DEPLOYMENTS
from aoai_nb._setting_sources import ENV_DEPLOYMENT_MODELS, Sources, deployment_env

AuthMode = Literal["key", "entra", "auto"]
Flavour = Literal["classic", "v1"]
LATEST_GA_API_VERSION = "2024-10-21"
HTTP_LOG_LEVELS = ("none", "basic", "headers", "body", "body_and_headers")

_DATED_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(-preview)?$")
_V1_VERSIONS = ("v1", "preview")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}


def check_choices(src: Sources, auth: str, flavour: str, http_log: str, problems: list[str]) -> None:
    """``auth``, ``flavour`` and ``http_log`` each take one of a few words."""
    if auth not in get_args(AuthMode):
        problems.append(
            f"auth is {auth!r} ({src.sources['auth']}): use 'key', 'entra' or 'auto' (key when one is set)."
        )
    if flavour not in get_args(Flavour):
        problems.append(
            f"flavour is {flavour!r} ({src.sources['flavour']}): use 'classic' "
            "(/openai/deployments/...?api-version=) or 'v1' (/openai/v1/)."
        )
    if http_log not in HTTP_LOG_LEVELS:
        problems.append(
            f"http_log is {http_log!r} ({src.sources['http_log']}): use one of {', '.join(HTTP_LOG_LEVELS)}."
        )


def check_endpoint(value: str, source: str, problems: list[str]) -> str:
    """The endpoint reduced to ``scheme://host[:port]`` (what the SDK wants); a path, a query or plain http to
    a remote host is a problem."""
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


def check_api_version(version: str, flavour: str, source: str, problems: list[str]) -> None:
    """The classic flavour takes a dated version; the v1 flavour takes ``v1`` or ``preview``."""
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


def check_key_drift(
    src: Sources, endpoint: str | None, key: str | None, auth: str, problems: list[str]
) -> None:
    """An Azure endpoint with no key under the right name: the key set under an old or an OpenAI name."""
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


def deployment_names(src: Sources, explicit: Mapping[str, str], problems: list[str]) -> dict[str, str]:
    """The deployment name per capability (argument > environment > .env > default); an empty variable or a
    name that is a URL is a problem."""
    names: dict[str, str] = {}
    for capability in CAPABILITIES:
        given = explicit.get(capability)
        if given is None:
            raw, where = src.env(deployment_env(capability))
            blank = raw is not None and not raw.strip()
        name = src.pick(f"deployments.{capability}", given, deployment_env(capability), None)
        if given is None and blank:
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
    return names


def check_capability_names(explicit: Mapping[str, str], problems: list[str]) -> None:
    unknown = set(explicit) - set(CAPABILITIES)
    if unknown:
        problems.append(
            f"Unknown capability in deployments: {', '.join(sorted(unknown))}; use {', '.join(CAPABILITIES)}."
        )


def parse_deployment_models(value: str | None, source: str, problems: list[str]) -> dict[str, str]:
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
