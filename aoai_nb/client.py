"""Client setup: one call returns a ready ``openai`` client for Azure, or for the local emulator.

- classic flavour: ``openai.AzureOpenAI`` / ``AsyncAzureOpenAI`` on ``/openai/deployments/{name}/...?api-version=``
- v1 flavour: ``openai.OpenAI`` / ``AsyncOpenAI`` with ``base_url=<endpoint>/openai/v1/``
- auth by key, or by Microsoft Entra ID (``DefaultAzureCredential`` or a credential you pass, through
  ``get_bearer_token_provider``); the Entra path never reads or sends a key.
- no endpoint configured anywhere: the embedded default, the local emulator (a running one announced through
  ``AOAI_NB_EMULATOR_URL``/``AOAI_NB_EMULATOR_KEY``, else one started in this process on a free loopback port).

Retries and timeouts are the SDK's: ``max_retries=2`` (so up to 3 attempts) on connection errors, 408, 409, 429
and 5xx, waiting ``retry-after-ms``/``retry-after`` when the server sends one under 120 s, else exponential backoff
from 0.5 s up to 8 s; the SDK's default timeout is 600 s.
"""

from __future__ import annotations

import asyncio
import atexit
import inspect
import os
import threading
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from aoai_nb._headers import note_replay, note_replay_async
from aoai_nb.config import ENTRA_SCOPE, AuthMode, ConfigError, Flavour, Settings, load_settings

if TYPE_CHECKING:
    import openai

    from aoai_nb.emulator import Emulator

ENV_EMULATOR_URL = "AOAI_NB_EMULATOR_URL"
ENV_EMULATOR_KEY = "AOAI_NB_EMULATOR_KEY"
ENV_EMULATOR_ENGINE = "AOAI_NB_EMULATOR_ENGINE"

_embedded_lock = threading.Lock()
_embedded: Emulator | None = None
_announced: set[str] = set()


def resolve_settings(settings: Settings | None = None, **overrides: Any) -> Settings:
    """``settings`` as given, else ``load_settings(**overrides)``; overrides with a settings object are an error."""
    given = {k: v for k, v in overrides.items() if v is not None and k not in ("environ", "dotenv")}
    if settings is not None:
        if given:
            raise TypeError(
                f"Pass either settings= or individual options, not both (got {', '.join(given)})."
            )
        return settings
    return load_settings(**overrides)


def make_client(
    *,
    endpoint: str | None = None,
    api_key: str | None = None,
    api_version: str | None = None,
    auth: AuthMode | None = None,
    flavour: Flavour | None = None,
    credential: Any = None,
    max_retries: int = 2,
    timeout: float | None = None,
    http_log: str | None = None,
    settings: Settings | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: bool | str | Path = True,
) -> openai.AzureOpenAI | openai.OpenAI:
    """A synchronous client for the configured Azure resource, or for the local emulator when none is configured.

    Explicit arguments win over the environment, which wins over a ``.env`` file. ``credential`` is any
    ``azure.identity`` credential (``DefaultAzureCredential()`` when omitted and auth resolves to Entra ID); passing
    one selects Entra ID unless auth is 'key', which is a ConfigError. The emulator ignores it (it takes its key).
    """
    client: openai.AzureOpenAI | openai.OpenAI = _make(locals(), is_async=False)
    return client


P = ParamSpec("P")
R = TypeVar("R")


def _parameters_of(template: Callable[P, object]) -> Callable[[Callable[..., R]], Callable[P, R]]:
    """Give the decorated function ``template``'s parameters (for type checkers and ``help()``)."""

    def apply(func: Callable[..., R]) -> Callable[P, R]:
        signature = inspect.signature(template)
        func.__signature__ = signature.replace(  # type: ignore[attr-defined]
            return_annotation=inspect.signature(func).return_annotation
        )
        return cast("Callable[P, R]", func)

    return apply


@_parameters_of(make_client)
def make_async_client(**arguments: Any) -> openai.AsyncAzureOpenAI | openai.AsyncOpenAI:
    """The asynchronous twin of ``make_client`` (same arguments); Entra ID uses ``azure.identity.aio``
    credentials and provider."""
    bound = inspect.signature(make_client).bind(**arguments)  # a misspelt argument is a TypeError here
    bound.apply_defaults()
    client: openai.AsyncAzureOpenAI | openai.AsyncOpenAI = _make(bound.arguments, is_async=True)
    return client


_CONFIG_ARGS = ("endpoint", "api_key", "api_version", "auth", "flavour", "http_log", "environ", "dotenv")


def _make(arguments: Mapping[str, Any], *, is_async: bool) -> Any:
    """Resolve the settings from make_client's ``arguments``, then build the sync or async client."""
    s = resolve_settings(arguments["settings"], **{name: arguments[name] for name in _CONFIG_ARGS})
    return _build(
        s,
        arguments["credential"],
        arguments["max_retries"],
        arguments["timeout"],
        arguments["environ"],
        is_async=is_async,
    )


def _build(
    s: Settings,
    credential: Any,
    max_retries: int,
    timeout: float | None,
    environ: Mapping[str, str] | None,
    *,
    is_async: bool,
) -> Any:
    """The SDK client class for (flavour, sync/async), with auth, retries, timeout and HTTP logging applied."""
    import openai

    from aoai_nb.http_logging import async_event_hooks, event_hooks

    endpoint_url, key, token_provider = _credentials(s, credential, environ, is_async=is_async)
    options: dict[str, Any] = {"max_retries": max_retries}
    if timeout is not None:
        options["timeout"] = timeout
    hooks: dict[str, list[Any]] = dict((async_event_hooks if is_async else event_hooks)(s.http_log) or {})
    if _is_loopback(endpoint_url):  # an emulator: note which answers are replays, for show()
        hooks["response"] = [*hooks.get("response", []), note_replay_async if is_async else note_replay]
    if hooks:
        http_client = openai.DefaultAsyncHttpx2Client if is_async else openai.DefaultHttpx2Client
        options["http_client"] = http_client(event_hooks=hooks)
    if s.flavour == "v1":
        v1_class = openai.AsyncOpenAI if is_async else openai.OpenAI
        return v1_class(base_url=f"{endpoint_url}/openai/v1/", api_key=token_provider or key, **options)
    azure_class = openai.AsyncAzureOpenAI if is_async else openai.AzureOpenAI
    auth = {"azure_ad_token_provider": token_provider} if token_provider is not None else {"api_key": key}
    return azure_class(azure_endpoint=endpoint_url, api_version=s.api_version, **auth, **options)


def _is_loopback(url: str) -> bool:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _credentials(
    s: Settings, credential: Any, environ: Mapping[str, str] | None, *, is_async: bool
) -> tuple[str, str | None, Any]:
    """(endpoint, key or None, token provider or None) for the resolved auth mode."""
    if s.uses_emulator:
        url, key = embedded_emulator(environ)
        return url, key, None
    assert s.endpoint is not None
    if credential is not None and s.auth == "key":
        source = s.sources.get("auth", "default")
        raise ConfigError(
            [
                f"auth is 'key' ({source}) but a credential was passed: leave auth unset or pass auth='entra' "
                "to sign in with the credential, or drop credential= to use the key."
            ]
        )
    if credential is not None or s.resolved_auth == "entra":
        provider = _async_token_provider(credential) if is_async else _token_provider(credential)
        return s.endpoint, None, provider
    if s.api_key is None:
        raise ConfigError(["No key found: set AZURE_OPENAI_API_KEY, or pass auth='entra' after `az login`."])
    return s.endpoint, s.api_key.reveal(), None


def _token_provider(credential: Any) -> Callable[[], str]:
    from azure.identity import DefaultAzureCredential, get_bearer_token_provider

    return get_bearer_token_provider(credential or DefaultAzureCredential(), ENTRA_SCOPE)


def _async_token_provider(credential: Any) -> Callable[[], Awaitable[str]]:
    if credential is not None and not inspect.iscoroutinefunction(getattr(credential, "get_token", None)):
        sync_provider = _token_provider(credential)  # a sync credential: fetch tokens off the event loop

        async def provider() -> str:
            return await asyncio.to_thread(sync_provider)

        return provider
    from azure.identity.aio import DefaultAzureCredential, get_bearer_token_provider

    return get_bearer_token_provider(credential or DefaultAzureCredential(), ENTRA_SCOPE)


def embedded_emulator(environ: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(url, key) of the local emulator: the one announced in the environment, else one started in-process."""
    global _embedded
    env = os.environ if environ is None else environ
    url, key = env.get(ENV_EMULATOR_URL), env.get(ENV_EMULATOR_KEY)
    if url and key and _emulator_answers(url, key):
        _announce(url)
        return url.rstrip("/"), key
    with _embedded_lock:
        if _embedded is None:
            from aoai_nb.emulator import Emulator

            engine = env.get(ENV_EMULATOR_ENGINE, "auto")
            _embedded = Emulator(engine=engine).start()  # type: ignore[arg-type]  # validated by Emulator
            atexit.register(_embedded.stop)
        _announce(_embedded.url)
        return _embedded.url, _embedded.api_key


def _emulator_answers(url: str, key: str) -> bool:
    import httpx2

    try:
        response = httpx2.get(f"{url.rstrip('/')}/aoai-nb/status", headers={"api-key": key}, timeout=2.0)
    except httpx2.HTTPError:
        return False
    return response.status_code == 200


def _announce(url: str) -> None:
    if url not in _announced:
        _announced.add(url)
        print(f"No Azure endpoint configured: using the local emulator at {url}")
