"""The facilitator flow: `aoai-nb run --record DIR` against an "Azure resource" (a second emulator here), then
`aoai-nb run --replay DIR` with that resource stopped; the notebooks do not change. Plus the CLI options and the
replay note under shown results."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import openai
import pytest

from aoai_nb import show
from aoai_nb.cli import main
from aoai_nb.emulator import Emulator
from aoai_nb.emulator.cli import _recording, add_arguments
from aoai_nb.emulator.recording import ReplayFrom

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
UPSTREAM_KEY = "upstream-key-51d0c8e2"


def test_notebooks_record_against_a_resource_then_replay_without_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(NOTEBOOKS / "08_legacy_completions.ipynb", tmp_path / "08_legacy_completions.ipynb")
    recordings = tmp_path / "recordings"
    for name in ("AOAI_NB_EMULATOR_URL", "AOAI_NB_EMULATOR_KEY", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with Emulator(engine="scripted", api_key=UPSTREAM_KEY) as resource:
        monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", resource.url)
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", UPSTREAM_KEY)
        assert main(["run", str(tmp_path / "08_legacy_completions.ipynb"), "--out", str(tmp_path / "rec"),
                     "--record", str(recordings)]) == 0  # fmt: skip
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT")
    monkeypatch.delenv("AZURE_OPENAI_API_KEY")
    saved = json.loads((recordings / "settings.json").read_text())
    assert saved["deployments"]["completions"] and "key" not in json.dumps(saved).lower().replace("keys", "")
    exchanges = list(recordings.glob("0*.json"))
    assert exchanges and all(UPSTREAM_KEY not in p.read_text() for p in recordings.iterdir())
    args = ["run", str(tmp_path / "08_legacy_completions.ipynb"), "--out", str(tmp_path / "play")]
    assert main([*args, "--replay", str(recordings), "--replay-speed", "0"]) == 0  # resource stopped: offline
    report = json.loads((tmp_path / "play" / "report.json").read_text())
    assert "replaying" in report["target"]
    executed = (tmp_path / "play" / "08_legacy_completions.ipynb").read_text()
    assert "replayed" in executed  # show() said which answers were replays


def test_show_notes_a_replayed_answer(tmp_path: Path) -> None:
    with Emulator(engine="scripted", api_key=UPSTREAM_KEY) as resource:
        with Emulator(engine="scripted", record=_record_to(tmp_path, resource.url)) as proxy:
            _chat(proxy)
    with Emulator(engine="scripted", replay=ReplayFrom(tmp_path, speed=0)) as replay:
        reply = _chat(replay)
    out = io.StringIO()
    show(reply, out=out)
    assert "replayed: recorded answer 0000-chat-completions-" in out.getvalue()


def _record_to(directory: Path, upstream: str):  # type: ignore[no-untyped-def]
    from aoai_nb.emulator.recording import RecordTo

    return RecordTo(directory, upstream, UPSTREAM_KEY)


def _chat(emu: Emulator):  # type: ignore[no-untyped-def]
    from aoai_nb import make_client

    with make_client(endpoint=emu.url, api_key=emu.api_key, auth="key", dotenv=False, environ={}) as client:
        return client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--record", "d"], "--record needs --upstream URL"),
        (["--upstream", "https://x.openai.azure.com"], "--upstream is for --record DIR"),
        (["--record", "d", "--upstream", "u", "--replay", "d"], "not both"),
        (["--replay", "d", "--replay-speed", "-1"], "--replay-speed must be 0 or more"),
    ],
)
def test_emulator_options_misused_name_the_fix(argv: list[str], message: str) -> None:
    import argparse

    from aoai_nb.emulator.config import ConfigFileError

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(ConfigFileError, match=message):
        _recording(parser.parse_args(argv))


def test_replay_of_a_missing_folder_says_how_to_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["emulator", "--port", "0", "--replay", str(tmp_path / "nope")]) == 1
    assert "aoai-nb run --record" in capsys.readouterr().err


def test_run_record_needs_an_azure_resource(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env above
    shutil.copy(NOTEBOOKS / "08_legacy_completions.ipynb", tmp_path / "08_legacy_completions.ipynb")
    assert main(["run", "08_legacy_completions.ipynb", "--record", "rec"]) == 2


def test_an_unreachable_upstream_is_a_502_that_names_it(tmp_path: Path) -> None:
    with Emulator(engine="scripted", record=_record_to(tmp_path, "http://127.0.0.1:9")) as proxy:
        with (
            openai.AzureOpenAI(
                azure_endpoint=proxy.url, api_key=proxy.api_key, api_version="2024-10-21", max_retries=0
            ) as client,
            pytest.raises(openai.InternalServerError) as info,
        ):
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}])
    assert info.value.status_code == 502 and "127.0.0.1:9" in str(info.value)
