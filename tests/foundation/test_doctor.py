from __future__ import annotations

from typing import Any

import pytest

from aoai_nb.cli import main
from aoai_nb.config import load_settings
from aoai_nb.doctor import doctor

CANARY = "canary-key-6f1d2e"


def settings_for(emulator: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", emulator.api_key)
    return load_settings(endpoint=emulator.url, environ={}, dotenv=False, **kwargs)


def test_every_check_passes_against_a_healthy_endpoint(emulator: Any) -> None:
    report = doctor(settings=settings_for(emulator))
    assert report.ok, str(report)
    names = [check.name for check in report.checks]
    assert names[:5] == ["settings", "target", "endpoint reachable", "auth", "api-version accepted"]
    for label in (
        "chat deployment 'gpt-4o-mini'",
        "embeddings deployment 'text-embedding-3-small'",
        "images deployment 'dall-e-3'",
        "transcription deployment 'whisper'",
        "speech deployment 'tts'",
        "completions deployment 'gpt-35-turbo-instruct'",
    ):
        assert label in names
    assert str(report).endswith("All checks passed.")
    assert "<table" in report._repr_html_()


def test_a_wrong_key_fails_auth_with_its_fix_and_never_shows_the_key(emulator: Any) -> None:
    report = doctor(settings=settings_for(emulator, api_key=CANARY))
    assert not report.ok
    failed = [c for c in report.checks if c.ok is False]
    assert [c.name for c in failed] == ["auth"]
    assert failed[0].detail.startswith("401 ") and failed[0].fix
    for shown in (str(report), report._repr_html_(), repr(report)):
        assert CANARY not in shown


def test_a_missing_deployment_fails_its_row_only(emulator: Any) -> None:
    report = doctor(
        settings=settings_for(emulator, deployments={"chat": "no-such-deployment"}),
        capabilities=["chat", "embeddings"],
    )
    rows = {c.name: c for c in report.checks}
    bad = rows["chat deployment 'no-such-deployment'"]
    assert bad.ok is False and bad.detail.startswith("404 ") and "deployment" in bad.fix.lower()
    assert rows["embeddings deployment 'text-embedding-3-small'"].ok is True


def test_an_unreachable_endpoint_fails_reachability() -> None:
    report = doctor(
        settings=load_settings(endpoint="http://127.0.0.1:9", api_key="k", environ={}, dotenv=False)
    )
    assert [c.name for c in report.checks if c.ok is False] == ["endpoint reachable"]


def test_a_configuration_problem_is_a_failed_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_VERSION", "yesterday")
    monkeypatch.chdir("/")
    report = doctor()
    assert report.checks[0].name == "settings" and report.checks[0].ok is False
    assert "malformed" in report.checks[0].fix


def test_the_command_exits_non_zero_on_failure(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", emulator.url)
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", CANARY)
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "[FAIL] auth" in out and CANARY not in out
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", emulator.api_key)
    assert main(["doctor"]) == 0


def test_the_client_doctor_builds_is_closed(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[Any] = []

    def make(**kwargs: Any) -> Any:
        from aoai_nb.client import make_client

        built.append(make_client(**kwargs))
        return built[-1]

    doctor(settings=settings_for(emulator), capabilities=["chat"], make=make)
    assert built and built[0].is_closed()


def test_a_configuration_problem_in_a_command_is_a_message_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir("/")
    monkeypatch.setenv("OPENAI_API_VERSION", "yesterday")
    assert main(["lab"]) == 2
    assert "aoai-nb lab: api_version 'yesterday'" in capsys.readouterr().err
