"""Every notebook runs top to bottom against the scripted emulator, with the headless runner.

One emulator (the session's scripted one) serves all notebooks; each notebook gets a fresh kernel. The kernels'
working directory is notebooks/, as in JupyterLab; nothing may be written there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from aoai_nb.emulator import Emulator
from aoai_nb.runner import RunReport, run_notebooks

Run = tuple[
    RunReport, Path, dict[str, int]
]  # the report, the executed copies' folder, requests served per route

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ROUTES = {
    "chat/completions",
    "completions",
    "embeddings",
    "images/generations",
    "audio/transcriptions",
    "audio/translations",
    "audio/speech",
}


def snapshot(folder: Path) -> dict[str, float]:
    return {
        str(p.relative_to(folder)): p.stat().st_mtime
        for p in folder.rglob("*")
        if "_runs" not in p.parts and ".ipynb_checkpoints" not in p.parts
    }


@pytest.fixture(scope="module")
def run(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    out = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "AZURE_OPENAI_ENDPOINT",
            "AZURE_OPENAI_API_KEY",
            "AOAI_NB_FLAVOUR",
            "OPENAI_API_VERSION",
        ):
            patch.delenv(name, raising=False)
        patch.setenv("AOAI_NB_CACHE_DIR", str(tmp_path_factory.mktemp("embedding-cache")))
        patch.chdir(NOTEBOOKS)  # where the kernels run: a .env up from here would redirect them
        from aoai_nb.config import load_settings

        if not load_settings().uses_emulator:
            pytest.skip("a .env file names an Azure endpoint: these tests run the notebooks on the emulator")
        before_files = snapshot(NOTEBOOKS)
        before = emulator.status()["requests"]["by_route"]
        report = run_notebooks(PATHS, out_dir=out, engine="scripted", timeout=120, jobs=2, emulator=emulator)
        after = emulator.status()["requests"]["by_route"]
        assert snapshot(NOTEBOOKS) == before_files, "running the notebooks wrote into notebooks/"
    served = {route: after.get(route, 0) - before.get(route, 0) for route in after}
    yield report, out, served


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(run: Run, path: Path) -> None:
    report, _, _ = run
    result = next(r for r in report.results if r.notebook == path.name)
    assert result.ok, f"{path.name} failed at cell {result.cell_index} ({result.cell_head}): {result.error}"


def test_results_keep_notebook_order(run: Run) -> None:
    report, _, _ = run
    assert [r.notebook for r in report.results] == [p.name for p in PATHS]  # though two kernels ran at once


def test_every_route_was_exercised(run: Run) -> None:
    _, _, served = run
    assert {route for route, count in served.items() if count > 0} >= ROUTES


def test_no_output_shows_the_emulator_key(run: Run, emulator: Emulator) -> None:
    report, out, _ = run
    for result in report.results:
        text = (out / result.notebook).read_text(encoding="utf-8")
        assert emulator.api_key not in text, f"{result.notebook} shows the emulator's key in its outputs"
        assert json.loads(text)["cells"], result.notebook
