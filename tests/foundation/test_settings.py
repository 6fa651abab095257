from __future__ import annotations

import re
from pathlib import Path

import pytest

from aoai_nb.config import (
    DEFAULT_DEPLOYMENTS,
    LATEST_GA_API_VERSION,
    ConfigError,
    Secret,
    load_settings,
)

CANARY = "canary-key-6f1d2e"
ENDPOINT = "https://my-resource.openai.azure.com"


def settings(environ: dict[str, str] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    return load_settings(environ=environ or {}, dotenv=False, **kwargs)  # type: ignore[arg-type]


def problems(environ: dict[str, str] | None = None, **kwargs: object) -> str:
    with pytest.raises(ConfigError) as info:
        settings(environ, **kwargs)
    return str(info.value)


def test_defaults_target_the_emulator_with_latest_ga_and_workshop_deployment_names() -> None:
    s = settings()
    assert s.endpoint is None and s.uses_emulator
    assert s.api_version == LATEST_GA_API_VERSION == "2024-10-21"
    assert s.auth == "auto" and s.flavour == "classic" and s.http_log == "none"
    assert {c: s.deployments.for_capability(c) for c in DEFAULT_DEPLOYMENTS} == DEFAULT_DEPLOYMENTS
    assert s.sources["endpoint"] == "default"


def test_environment_values_and_their_sources() -> None:
    env = {
        "AZURE_OPENAI_ENDPOINT": ENDPOINT + "/",
        "AZURE_OPENAI_API_KEY": CANARY,
        "OPENAI_API_VERSION": "2025-01-01-preview",
        "AOAI_NB_AUTH": "key",
        "AZURE_OPENAI_CHAT_DEPLOYMENT": "my-chat",
        "AOAI_NB_HTTP_LOG": "BASIC",
    }
    s = settings(env)
    assert s.endpoint == ENDPOINT  # trailing slash dropped
    assert s.api_key == Secret(CANARY)
    assert s.api_version == "2025-01-01-preview"
    assert s.deployments.chat == "my-chat" and s.deployments.embeddings == "text-embedding-3-small"
    assert s.http_log == "basic"
    assert s.sources["endpoint"] == "environment AZURE_OPENAI_ENDPOINT"
    assert s.sources["deployments.chat"] == "environment AZURE_OPENAI_CHAT_DEPLOYMENT"


def test_explicit_arguments_win_over_environment() -> None:
    env = {"AZURE_OPENAI_ENDPOINT": ENDPOINT, "OPENAI_API_VERSION": "2024-06-01", "AZURE_OPENAI_API_KEY": "x"}
    s = settings(
        env,
        endpoint="https://other.openai.azure.com",
        api_version="2024-10-21",
        deployments={"chat": "argued"},
    )
    assert s.endpoint == "https://other.openai.azure.com" and s.api_version == "2024-10-21"
    assert s.deployments.chat == "argued"
    assert s.sources["endpoint"] == s.sources["api_version"] == s.sources["deployments.chat"] == "argument"


def test_dotenv_is_found_from_the_working_directory_upward_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(
        f"AZURE_OPENAI_ENDPOINT={ENDPOINT}\nAZURE_OPENAI_API_KEY={CANARY}\nOPENAI_API_VERSION=2024-06-01\n"
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    s = load_settings(environ={"OPENAI_API_VERSION": "2024-10-21"})
    assert s.endpoint == ENDPOINT and s.api_key == Secret(CANARY)
    assert s.sources["endpoint"] == f".env ({tmp_path / '.env'}) AZURE_OPENAI_ENDPOINT"
    assert s.api_version == "2024-10-21" and s.sources["api_version"] == "environment OPENAI_API_VERSION"
    assert load_settings(environ={}, dotenv=False).endpoint is None  # .env can be ignored


def test_describe_names_each_source_and_never_the_key() -> None:
    s = settings({"AZURE_OPENAI_ENDPOINT": ENDPOINT, "AZURE_OPENAI_API_KEY": CANARY})
    text = s.describe()
    assert re.search(
        r"^endpoint +https://my-resource.openai.azure.com  \[environment AZURE_OPENAI_ENDPOINT\]$", text, re.M
    )
    assert re.search(r"^api_key +\(set\)  \[environment AZURE_OPENAI_API_KEY\]$", text, re.M)
    assert re.search(r"^deployments.speech +gpt-4o-mini-tts  \[default\]$", text, re.M)
    assert re.search(r"^deployments.classic_speech +tts  \[default\]$", text, re.M)
    for shown in (text, repr(s), str(s), repr(s.api_key)):
        assert CANARY not in shown


def test_v1_flavour_defaults_to_the_v1_version() -> None:
    s = settings(flavour="v1")
    assert s.flavour == "v1" and s.api_version == "v1"


@pytest.mark.parametrize(
    ("environ", "kwargs", "expected"),
    [
        # key-name drift
        (
            {"AZURE_OPENAI_ENDPOINT": ENDPOINT, "AZURE_OPENAI_KEY": CANARY},
            {},
            "AZURE_OPENAI_KEY is set (environment AZURE_OPENAI_KEY), but this toolkit and the openai SDK read "
            "AZURE_OPENAI_API_KEY: rename the variable to AZURE_OPENAI_API_KEY.",
        ),
        # an OpenAI key for Azure
        (
            {"AZURE_OPENAI_ENDPOINT": ENDPOINT, "OPENAI_API_KEY": CANARY},
            {},
            "OPENAI_API_KEY is set (environment OPENAI_API_KEY), but that key is for api.openai.com",
        ),
        # the endpoint already contains the route
        (
            {
                "AZURE_OPENAI_ENDPOINT": ENDPOINT
                + "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
            },
            {"auth": "entra"},
            "already contains '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21': set it to "
            "https://my-resource.openai.azure.com only",
        ),
        (
            {"AZURE_OPENAI_ENDPOINT": ENDPOINT + "/openai/"},
            {"auth": "entra"},
            "already contains '/openai': set it to https://my-resource.openai.azure.com only",
        ),
        # plain http to a remote host
        (
            {"AZURE_OPENAI_ENDPOINT": "http://my-resource.openai.azure.com"},
            {"auth": "entra"},
            "uses plain http to my-resource.openai.azure.com",
        ),
        # malformed api-version
        (
            {"OPENAI_API_VERSION": "2024-10"},
            {},
            "api_version '2024-10' (environment OPENAI_API_VERSION) is malformed: use a dated version like 2024-10-21",
        ),
        # dated api-version with v1
        (
            {"OPENAI_API_VERSION": "2024-10-21"},
            {"flavour": "v1"},
            "is a dated version, but the v1 flavour (/openai/v1/) takes none",
        ),
        # missing deployment name
        (
            {"AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT": " "},
            {},
            "AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT is empty (environment AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT): set it",
        ),
        (
            {},
            {"deployments": {"chat": ""}},
            "The chat deployment name is '' (argument): set AZURE_OPENAI_CHAT_DEPLOYMENT",
        ),
        # key auth without a key
        ({"AZURE_OPENAI_ENDPOINT": ENDPOINT}, {"auth": "key"}, "auth is 'key' but no key is configured"),
        ({}, {"auth": "token"}, "auth is 'token' (argument): use 'key', 'entra' or 'auto'"),
        ({"AOAI_NB_FLAVOUR": "v2"}, {}, "flavour is 'v2' (environment AOAI_NB_FLAVOUR)"),
        ({"AOAI_NB_HTTP_LOG": "loud"}, {}, "http_log is 'loud' (environment AOAI_NB_HTTP_LOG)"),
        ({"AZURE_OPENAI_ENDPOINT": "my-resource"}, {}, "is not a URL"),
    ],
)
def test_each_drift_names_what_was_found_and_the_fix(
    environ: dict[str, str], kwargs: dict[str, object], expected: str
) -> None:
    message = problems(environ, **kwargs)
    assert expected in message
    assert CANARY not in message


def test_plain_http_is_fine_for_localhost() -> None:
    s = settings({"AZURE_OPENAI_ENDPOINT": "http://127.0.0.1:8080", "AZURE_OPENAI_API_KEY": "k"})
    assert s.endpoint == "http://127.0.0.1:8080"


def test_several_problems_are_reported_together() -> None:
    message = problems({"OPENAI_API_VERSION": "latest", "AOAI_NB_AUTH": "nope"})
    assert message.startswith("2 configuration problems:")


def test_auto_auth_resolves_to_key_or_entra() -> None:
    assert settings({"AZURE_OPENAI_ENDPOINT": ENDPOINT, "AZURE_OPENAI_API_KEY": "k"}).resolved_auth == "key"
    assert settings({"AZURE_OPENAI_ENDPOINT": ENDPOINT}).resolved_auth == "entra"


def test_defaults_are_today_s_models_and_the_seed_s_under_classic_names() -> None:
    from aoai_nb.config import deployment_env

    s = settings({})
    assert (s.deployments.chat, s.deployments.classic_chat) == ("gpt-5-mini", "gpt-4o")
    assert (s.deployments.images, s.deployments.classic_images) == ("gpt-image-1-mini", "dall-e-3")
    assert (s.deployments.transcription, s.deployments.classic_transcription) == (
        "gpt-4o-mini-transcribe",
        "whisper",
    )
    assert (s.deployments.speech, s.deployments.classic_speech) == ("gpt-4o-mini-tts", "tts")
    assert s.deployments.diarization == "gpt-4o-transcribe-diarize"
    assert deployment_env("classic_images") == "AZURE_OPENAI_CLASSIC_IMAGES_DEPLOYMENT"
    mapped = settings({"AZURE_OPENAI_CLASSIC_IMAGES_DEPLOYMENT": "old-pictures"})
    assert mapped.deployments.classic_images == "old-pictures"
    assert (
        mapped.sources["deployments.classic_images"] == "environment AZURE_OPENAI_CLASSIC_IMAGES_DEPLOYMENT"
    )


def test_every_default_deployment_exists_on_the_emulator_with_its_capability() -> None:
    """The settings' defaults and the emulator's default deployments name the same things."""
    from aoai_nb.config import BASE_CAPABILITY
    from aoai_nb.emulator.config import EmulatorConfig

    served = {d.name: d.capability for d in EmulatorConfig.default().deployments}
    for capability, name in DEFAULT_DEPLOYMENTS.items():
        assert served.get(name) == BASE_CAPABILITY.get(capability, capability), (capability, name)
