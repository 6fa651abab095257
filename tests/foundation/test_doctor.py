from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest

from aoai_nb.cli import main
from aoai_nb.config import DEFAULT_DEPLOYMENTS, load_settings
from aoai_nb.doctor import doctor

CANARY = "canary-key-6f1d2e"
DAY = dt.date(2026, 12, 1)  # the day the lifecycle tests judge on (the catalog's as_of)


def settings_for(emulator: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", emulator.api_key)
    return load_settings(endpoint=emulator.url, environ={}, dotenv=False, **kwargs)


def test_every_check_passes_against_a_healthy_endpoint(emulator: Any) -> None:
    report = doctor(settings=settings_for(emulator), today=DAY)
    assert report.ok, str(report)
    names = [check.name for check in report.checks]
    assert names[:5] == ["settings", "target", "endpoint reachable", "auth", "api-version accepted"]
    assert names[5:] == [f"{c} deployment '{n}'" for c, n in DEFAULT_DEPLOYMENTS.items()]
    # the seed's models still answer on the emulator; their rows warn about Azure's lifecycle
    warned = {c.name for c in report.warnings}
    assert warned == {
        "chat deployment 'gpt-5-mini'",  # retires 2027-02-09: within 90 days of 2026-12-01
        "classic_images deployment 'dall-e-3'",
        "classic_transcription deployment 'whisper'",
        "classic_speech deployment 'tts'",
        "completions deployment 'gpt-35-turbo-instruct'",
    }
    assert str(report).endswith("All checks passed, with 5 lifecycle warnings: see the fixes.")
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


@pytest.fixture(scope="module")
def lifecycle_emulator() -> Iterator[Any]:
    """A private emulator whose deployments run a retired, a retiring and a current model, two of them under
    names that are not the model's (so that doctor must read the model from the service's answer)."""
    from aoai_nb.emulator import Emulator
    from aoai_nb.emulator.config import Deployment, EmulatorConfig

    config = EmulatorConfig(
        deployments=(
            Deployment("team-chat", "chat", "o3-mini-2025-01-31"),  # retired 2026-11-19
            Deployment("team-4o", "chat", "gpt-4o-2024-11-20"),  # fine until 2027-04-14
            Deployment("dall-e-3", "images", "dall-e-3"),  # retired 2026-03-04
            Deployment("whisper", "transcription", "whisper"),  # retires 2026-12-15
            Deployment("team-embed", "embeddings", "text-embedding-3-small"),
        )
    )
    emu = Emulator(engine="scripted", config=config).start()
    try:
        yield emu
    finally:
        emu.stop()


def lifecycle_report(emu: Any) -> Any:
    settings = settings_for(
        emu,
        deployments={
            "chat": "team-chat",
            "classic_chat": "team-4o",
            "classic_images": "dall-e-3",
            "classic_transcription": "whisper",
            "embeddings": "team-embed",
        },
    )
    capabilities = ["chat", "classic_chat", "classic_images", "classic_transcription", "embeddings"]
    return doctor(settings=settings, capabilities=capabilities, today=DAY)  # type: ignore[arg-type]


def test_doctor_flags_retired_and_retiring_models_with_date_and_replacement(lifecycle_emulator: Any) -> None:
    report = lifecycle_report(lifecycle_emulator)
    assert report.ok  # the emulator still serves them: warnings, not failures
    rows = {c.name: c for c in report.checks}
    chat = rows["chat deployment 'team-chat'"]
    assert chat.mark == "WARN"
    assert "o3-mini retired on Azure on 2026-11-19 (Azure answers 410 Gone)" in chat.detail
    assert "(model from the service's answer)" in chat.detail  # the name 'team-chat' says nothing
    assert chat.fix == "deploy gpt-5.6-terra and set AZURE_OPENAI_CHAT_DEPLOYMENT to its deployment's name"
    images = rows["classic_images deployment 'dall-e-3'"]
    assert images.mark == "WARN" and "dall-e-3 retired on Azure on 2026-03-04" in images.detail
    assert "deploy gpt-image-1.5" in images.fix and "(model from the deployment's name)" in images.detail
    whisper = rows["classic_transcription deployment 'whisper'"]
    assert whisper.mark == "WARN" and "whisper retires on Azure on 2026-12-15, in 14 days" in whisper.detail
    fine = rows["classic_chat deployment 'team-4o'"]
    assert fine.mark == "PASS" and fine.fix == "" and "gpt-4o: legacy, retires 2027-04-14" in fine.detail
    assert rows["embeddings deployment 'team-embed'"].mark == "PASS"
    text = str(report)
    assert re.search(r"^\[WARN\] chat deployment 'team-chat' +answered a 1-token chat", text, re.M)
    assert text.endswith("All checks passed, with 3 lifecycle warnings: see the fixes.")


def test_a_deployment_model_setting_tells_doctor_the_model(lifecycle_emulator: Any) -> None:
    from aoai_nb.config import load_settings as load

    settings = load(
        endpoint=lifecycle_emulator.url,
        api_key=lifecycle_emulator.api_key,
        deployments={"images": "dall-e-3"},
        environ={"AOAI_NB_DEPLOYMENT_MODELS": "dall-e-3=gpt-image-1.5"},
        dotenv=False,
    )
    (row,) = doctor(settings=settings, capabilities=["images"], today=DAY).checks[5:]
    assert "(model from AOAI_NB_DEPLOYMENT_MODELS)" in row.detail and "gpt-image-1.5" in row.detail


def test_an_unknown_model_is_reported_as_unchecked(lifecycle_emulator: Any) -> None:
    settings = settings_for(lifecycle_emulator, deployments={"images": "dall-e-3"})
    report = doctor(settings=settings, capabilities=["images"], today=DAY)
    assert report.checks[5].mark == "WARN"  # known by its name
    renamed = settings_for(lifecycle_emulator, deployments={"embeddings": "team-embed"})
    (row,) = doctor(settings=renamed, capabilities=["embeddings"], today=DAY).checks[5:]
    assert "text-embedding-3-small" in row.detail and row.mark == "PASS"


def test_the_html_table_is_left_aligned_and_escaped(lifecycle_emulator: Any) -> None:
    html = lifecycle_report(lifecycle_emulator)._repr_html_()
    cells = re.findall(r"<t[dh] style=\"([^\"]*)\"", html)
    assert cells and all("text-align:left" in style for style in cells)
    assert ">WARN</span>" in html and "<script" not in html
