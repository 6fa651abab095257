"""`aoai-nb doctor` says whether the target serves the Responses API."""

from __future__ import annotations

from typing import Any

from aoai_nb.config import load_settings
from aoai_nb.doctor import doctor


def _settings(emulator: Any, **kwargs: Any) -> Any:
    return load_settings(endpoint=emulator.url, api_key=emulator.api_key, environ={}, dotenv=False, **kwargs)


def _row(report: Any) -> Any:
    [row] = [c for c in report.checks if c.name == "Responses API"]
    return row


def test_v1_flavour_serves_responses(emulator: Any) -> None:
    report = doctor(settings=_settings(emulator, flavour="v1"), capabilities=["chat"])
    row = _row(report)
    assert row.ok is True and "16-token create" in row.detail
    assert report.ok


def test_classic_preview_serves_responses(emulator: Any) -> None:
    report = doctor(settings=_settings(emulator, api_version="2025-04-01-preview"), capabilities=["chat"])
    assert _row(report).ok is True


def test_classic_ga_version_is_a_skip_with_the_fix(emulator: Any) -> None:
    report = doctor(settings=_settings(emulator), capabilities=["chat"])
    row = _row(report)
    assert row.ok is None and "api-version=2024-10-21" in row.detail
    assert "flavour" in row.fix and "2025-03-01-preview" in row.fix
    assert report.ok  # a skip does not fail the preflight
    assert "[SKIP] Responses API" in str(report)


def test_a_missing_chat_deployment_fails_the_row(emulator: Any) -> None:
    report = doctor(
        settings=_settings(emulator, flavour="v1", deployments={"chat": "no-such"}), capabilities=["chat"]
    )
    assert _row(report).ok is False


def test_no_row_without_the_chat_capability(emulator: Any) -> None:
    report = doctor(settings=_settings(emulator), capabilities=["embeddings"])
    assert "Responses API" not in [c.name for c in report.checks]
