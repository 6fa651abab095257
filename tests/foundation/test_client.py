"""make_client against a loopback server that records what arrives: auth headers, exact paths and queries."""

from __future__ import annotations

import json
import time
from typing import Any

import openai
import pytest
from azure.core.credentials import AccessToken

from aoai_nb.client import make_async_client, make_client
from aoai_nb.config import ConfigError
from tests.foundation.recording_server import Recorder, recording_server

CANARY = "canary-key-6f1d2e"
TOKEN = "fake-entra-token-for-tests"


class FakeCredential:
    """Counts get_token calls and returns a token valid for an hour."""

    def __init__(self) -> None:
        self.calls = 0
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        self.scopes.append(scopes)
        return AccessToken(TOKEN, int(time.time()) + 3600)


@pytest.fixture
def server() -> Any:
    with recording_server() as recorder:
        yield recorder


@pytest.fixture(autouse=True)
def _key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A key in the environment must never leak into the Entra ID path.
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", CANARY)


def chat(client: Any) -> Any:
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


def test_entra_sends_the_bearer_token_and_never_the_key(server: Recorder) -> None:
    credential = FakeCredential()
    client = make_client(endpoint=server.url, auth="entra", credential=credential, environ={}, dotenv=False)
    assert isinstance(client, openai.AzureOpenAI)
    with client:
        chat(client)
        chat(client)
    assert [r.headers.get("authorization") for r in server.requests] == [f"Bearer {TOKEN}"] * 2
    assert all("api-key" not in r.headers for r in server.requests)
    assert credential.scopes[0] == ("https://cognitiveservices.azure.com/.default",)
    assert credential.calls == 1  # azure-identity caches the token until it nears expiry


def test_a_credential_selects_entra_id_unless_auth_is_key(server: Recorder) -> None:
    client = make_client(
        endpoint=server.url, api_key=CANARY, credential=FakeCredential(), environ={}, dotenv=False
    )
    with client:
        chat(client)
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "api-key" not in server.requests[0].headers
    with pytest.raises(
        ConfigError, match=r"auth is 'key' \(argument\) but a credential was passed"
    ) as caught:
        make_client(
            endpoint=server.url,
            api_key=CANARY,
            auth="key",
            credential=FakeCredential(),
            environ={},
            dotenv=False,
        )
    assert CANARY not in str(caught.value)
    environ = {"AOAI_NB_AUTH": "key", "AZURE_OPENAI_API_KEY": CANARY}
    with pytest.raises(ConfigError, match="AOAI_NB_AUTH"):
        make_client(endpoint=server.url, credential=FakeCredential(), environ=environ, dotenv=False)


def test_entra_on_v1_sends_the_bearer_token(server: Recorder) -> None:
    client = make_client(
        endpoint=server.url, auth="entra", flavour="v1", credential=FakeCredential(), environ={}, dotenv=False
    )
    assert type(client) is openai.OpenAI
    with client:
        chat(client)
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "api-key" not in server.requests[0].headers


async def test_async_entra_with_a_sync_credential(server: Recorder) -> None:
    client = make_async_client(
        endpoint=server.url, auth="entra", credential=FakeCredential(), environ={}, dotenv=False
    )
    assert isinstance(client, openai.AsyncAzureOpenAI)
    async with client:
        await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}])
    assert server.requests[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert "api-key" not in server.requests[0].headers


def test_key_auth_sends_api_key_on_classic(server: Recorder) -> None:
    with make_client(endpoint=server.url, api_key=CANARY, environ={}, dotenv=False) as client:
        chat(client)
    assert server.requests[0].headers["api-key"] == CANARY
    assert "authorization" not in server.requests[0].headers


@pytest.mark.parametrize(
    ("flavour", "chat_path", "embeddings_path"),
    [
        (
            "classic",
            "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21",
            "/openai/deployments/text-embedding-3-small/embeddings?api-version=2024-10-21",
        ),
        ("v1", "/openai/v1/chat/completions", "/openai/v1/embeddings"),
    ],
)
def test_exact_paths_and_queries(
    server: Recorder, flavour: str, chat_path: str, embeddings_path: str
) -> None:
    with make_client(endpoint=server.url, api_key="k", flavour=flavour, environ={}, dotenv=False) as client:  # type: ignore[arg-type]
        chat(client)
        client.embeddings.create(model="text-embedding-3-small", input="hello")
    assert [(r.method, r.path) for r in server.requests] == [("POST", chat_path), ("POST", embeddings_path)]
    if flavour == "v1":  # v1 names the deployment in the body; the key travels as a bearer token
        assert json.loads(server.requests[0].body)["model"] == "gpt-4o-mini"
        assert server.requests[0].headers["authorization"] == "Bearer k"


def test_retries_and_timeout_are_configurable(server: Recorder) -> None:
    client = make_client(
        endpoint=server.url, api_key="k", max_retries=5, timeout=7.5, environ={}, dotenv=False
    )
    with client:
        assert client.max_retries == 5 and client.timeout == 7.5
    with make_client(endpoint=server.url, api_key="k", environ={}, dotenv=False) as default:
        assert default.max_retries == 2


def test_http_log_levels_redact_credentials(server: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    with make_client(
        endpoint=server.url, api_key=CANARY, http_log="body_and_headers", environ={}, dotenv=False
    ) as client:
        chat(client)
    text = capsys.readouterr().err
    assert "--> POST " + server.url + "/openai/deployments/gpt-4o-mini/chat/completions" in text
    assert "<-- 200 POST" in text and "api-key: REDACTED" in text
    assert '"content":"hi"' in text.replace(" ", "") and '"recorded"' in text  # both bodies
    assert CANARY not in text


def test_http_log_basic_shows_no_headers(server: Recorder, capsys: pytest.CaptureFixture[str]) -> None:
    with make_client(
        endpoint=server.url, api_key=CANARY, environ={"AOAI_NB_HTTP_LOG": "basic"}, dotenv=False
    ) as client:
        chat(client)
    text = capsys.readouterr().err
    assert "<-- 200 POST" in text and " ms" in text
    assert "api-key" not in text and "content-type" not in text


def test_http_log_in_a_notebook_is_a_small_grey_block_not_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    from aoai_nb.http_logging import _HttpLogHandler

    shown: list[str] = []
    record = logging.LogRecord("aoai_nb.http", logging.INFO, __file__, 1, "--> POST <x> & y", None, None)
    _HttpLogHandler(environment=lambda: "notebook", show=shown.append).handle(record)
    assert (
        len(shown) == 1
        and shown[0].startswith('<pre style="')
        and "--&gt; POST &lt;x&gt; &amp; y" in shown[0]
    )
    _HttpLogHandler(environment=lambda: "plain", show=shown.append).handle(record)
    assert len(shown) == 1 and capsys.readouterr().err == "--> POST <x> & y\n"  # terminals keep stderr


def test_settings_and_options_are_exclusive() -> None:
    from aoai_nb.config import load_settings

    with pytest.raises(TypeError, match="either settings= or individual options"):
        make_client(settings=load_settings(environ={}, dotenv=False), endpoint="https://x.openai.azure.com")


def test_body_logging_does_not_break_file_uploads(emulator: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from aoai_nb.doctor import _silence_wav

    with make_client(
        endpoint=emulator.url, api_key=emulator.api_key, http_log="body", environ={}, dotenv=False
    ) as client:
        transcript = client.audio.transcriptions.create(
            model="whisper", file=("s.wav", _silence_wav(), "audio/wav")
        )
    assert transcript.text is not None
    err = capsys.readouterr().err
    assert "(streamed multipart/form-data" in err and "not logged)" in err
