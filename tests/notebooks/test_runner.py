"""The headless runner: failure reporting, the report formats, the CLI's exit code and environment hygiene."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from aoai_nb.cli import main
from aoai_nb.client import ENV_EMULATOR_KEY, ENV_EMULATOR_URL
from aoai_nb.runner import NotebookResult, RunReport, find_notebooks, run_notebook, run_notebooks


def write_notebook(path: Path, *sources: str) -> Path:
    cells = [new_markdown_cell("# Tiny")]
    cells += [new_code_cell(source) for source in sources]
    nbformat.write(new_notebook(cells=cells), path)
    return path


def test_failing_notebook_names_the_cell_and_the_error(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "01_bad.ipynb", "x = 1", "# Divide by zero\nx / 0", "print('never')")
    before = source.read_text()

    result = run_notebook(source, tmp_path / "out", timeout=60)

    assert (result.status, result.cell_index, result.cell_head) == ("failed", 2, "# Divide by zero")
    assert (result.error_name, result.error_message) == ("ZeroDivisionError", "division by zero")
    assert result.error == "ZeroDivisionError: division by zero"
    assert source.read_text() == before  # the committed notebook is never written
    executed = nbformat.read(tmp_path / "out" / "01_bad.ipynb", as_version=4)
    assert executed.cells[2].outputs[0]["ename"] == "ZeroDivisionError"
    assert executed.cells[3].outputs == []  # execution stopped at the failing cell


def test_a_notebook_whose_output_shows_a_warning_fails_at_that_cell(tmp_path: Path) -> None:
    source = write_notebook(
        tmp_path / "01_warns.ipynb",
        "x = 1",
        "# Call an old API\nimport warnings\nwarnings.warn('old_api() is deprecated', DeprecationWarning)",
        "print('after')",
    )
    result = run_notebook(source, tmp_path / "out", timeout=60)
    assert (result.status, result.cell_index, result.cell_head) == ("failed", 2, "# Call an old API")
    assert result.error == "DeprecationWarning: old_api() is deprecated"
    executed = nbformat.read(tmp_path / "out" / "01_warns.ipynb", as_version=4)
    assert executed.cells[3].outputs[0]["text"] == "after\n"  # the run went on: only the verdict changes


def test_stderr_without_a_warning_passes(tmp_path: Path) -> None:
    source = write_notebook(
        tmp_path / "01_stderr.ipynb", "import sys\nprint('progress 3/4', file=sys.stderr)"
    )
    assert run_notebook(source, tmp_path / "out", timeout=60).ok


def test_the_executed_copy_may_not_overwrite_the_notebook(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "01_ok.ipynb", "1")
    with pytest.raises(ValueError, match="would overwrite .*choose another --out"):
        run_notebook(source, tmp_path)


def test_find_notebooks_expands_folders_in_order_and_names_the_fix(tmp_path: Path) -> None:
    for name in ("10_b.ipynb", "00_a.ipynb", "scratch.ipynb"):
        write_notebook(tmp_path / name, "1")
    assert [p.name for p in find_notebooks([tmp_path])] == ["00_a.ipynb", "10_b.ipynb"]
    with pytest.raises(FileNotFoundError, match="run from the repository root"):
        find_notebooks([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"No \[0-9\]\[0-9\]_\*\.ipynb notebooks in .*empty"):
        find_notebooks([tmp_path / "empty"])


def test_jobs_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="jobs must be at least 1, not 0"):
        run_notebooks([write_notebook(tmp_path / "00_a.ipynb", "1")], jobs=0)


def test_report_renders_as_a_table_markdown_and_json(tmp_path: Path) -> None:
    report = RunReport(
        "the local emulator",
        [
            NotebookResult("00_a.ipynb", "ok", 1.25),
            NotebookResult("01_b.ipynb", "failed", 2.0, None, 7, "# Call it", "KeyError", "'url'\nmore"),
        ],
        seconds=3.5,
    )
    assert report.to_text().splitlines() == [
        "notebook    status  seconds  cell  error",
        "00_a.ipynb  ok          1.2",
        "01_b.ipynb  FAILED      2.0     7  KeyError: 'url'",
        "2 notebooks: 1 ok, 1 failed in 3.5 s against the local emulator",
    ]
    assert repr(report) == "<RunReport 2 notebooks, 1 failed>"
    markdown = report.write(tmp_path / "r.md").read_text()
    assert "| 01_b.ipynb | FAILED | 2.0 | 7 | KeyError: 'url' |" in markdown
    assert "Cell starts with `# Call it`." in markdown
    data = json.loads(report.write(tmp_path / "r.json").read_text())
    assert data["ok"] is False
    assert data["notebooks"][1]["cell_index"] == 7 and data["notebooks"][1]["error_message"] == "'url'\nmore"


def test_cli_runs_against_one_emulator_and_exits_non_zero_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    monkeypatch.delenv(ENV_EMULATOR_URL, raising=False)
    monkeypatch.delenv(ENV_EMULATOR_KEY, raising=False)
    monkeypatch.chdir(tmp_path)  # outside the repository: no .env up from here names an endpoint
    probe = (
        "# The runner announces its emulator to the kernel\n"
        f"import os, httpx2\nurl, key = os.environ[{ENV_EMULATOR_URL!r}], os.environ[{ENV_EMULATOR_KEY!r}]\n"
        "assert httpx2.get(url + '/aoai-nb/status', headers={'api-key': key}).status_code == 200"
    )
    good = write_notebook(tmp_path / "00_good.ipynb", probe)
    bad = write_notebook(tmp_path / "01_bad.ipynb", "# Fail on purpose\nraise RuntimeError('boom')")

    code = main(["run", str(good), str(bad), "--engine", "scripted"])  # copies go to _runs/ beside them

    out = capsys.readouterr().out
    assert code == 1
    assert "00_good.ipynb  ok" in out and "01_bad.ipynb   FAILED" in out and "RuntimeError: boom" in out
    assert "2 notebooks: 1 ok, 1 failed" in out and "the local emulator at http://127.0.0.1:" in out
    data = json.loads((tmp_path / "_runs" / "report.json").read_text())
    assert [n["status"] for n in data["notebooks"]] == ["ok", "failed"]
    assert (tmp_path / "_runs" / "report.md").is_file() and (tmp_path / "_runs" / "00_good.ipynb").is_file()
    assert ENV_EMULATOR_URL not in os.environ and ENV_EMULATOR_KEY not in os.environ  # restored afterwards
