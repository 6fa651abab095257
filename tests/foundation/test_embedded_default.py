"""With no endpoint configured anywhere, make_client() targets the local emulator and says so in one line."""

from __future__ import annotations

from typing import Any

import pytest

from aoai_nb.client import make_client

NO_AZURE = {"AOAI_NB_EMULATOR_ENGINE": "scripted"}


@pytest.fixture(autouse=True)
def _fresh_announcements(monkeypatch: pytest.MonkeyPatch) -> None:
    # The line is printed once per emulator per process; earlier tests may have printed it already.
    monkeypatch.setattr("aoai_nb.client._announced", set())


def ask(client: Any) -> str:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}]
    )
    return str(reply.choices[0].message.content)


def test_uses_the_running_emulator_announced_in_the_environment(
    emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {**NO_AZURE, "AOAI_NB_EMULATOR_URL": emulator.url, "AOAI_NB_EMULATOR_KEY": emulator.api_key}
    before = emulator.status()["requests"]["total"]
    with make_client(environ=env, dotenv=False) as client:
        assert ask(client)
    assert emulator.status()["requests"]["total"] > before  # the request went to that emulator
    assert (
        f"No Azure endpoint configured: using the local emulator at {emulator.url}" in capsys.readouterr().out
    )


def test_starts_one_in_process_when_none_is_running(capsys: pytest.CaptureFixture[str]) -> None:
    env = {**NO_AZURE, "AOAI_NB_EMULATOR_URL": "http://127.0.0.1:9", "AOAI_NB_EMULATOR_KEY": "stale"}
    with make_client(environ=env, dotenv=False) as client:
        assert ask(client)
        url = str(client.base_url)
    assert url.startswith("http://127.0.0.1:")
    out = capsys.readouterr().out
    assert out.count("No Azure endpoint configured: using the local emulator at http://127.0.0.1:") <= 1
    with make_client(environ=NO_AZURE, dotenv=False, flavour="v1") as again:  # same emulator, v1 routes
        assert ask(again)
        assert str(again.base_url).startswith(url.split("/openai")[0])
