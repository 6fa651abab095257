"""The committed notebooks are clean (no outputs, counts or editor metadata, no keys) and follow the skeleton:
an H1 title, one sentence of promise, "This notebook shows: 1 ... N" with matching numbered headings, one setup
cell, and request cells that open with a comment and are followed by an observation."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
EXPECTED = [
    "00_setup_and_auth",
    "01_chat_completions",
    "02_streaming",
    "03_image_input",
    "04_embeddings_and_similarity",
    "05_image_generation",
    "06_transcription_and_translation",
    "07_text_to_speech",
    "08_legacy_completions",
    "09_errors_retries_request_ids",
    "10_content_filtering",
    "12_responses_api",
    "13_batch",
    "14_function_calling_and_structured_outputs",
]
NOTEBOOK_METADATA = {"kernelspec": {"display_name", "language", "name"}, "language_info": {"name"}}
KEY_LIKE = {
    "32 hex characters (an Azure key)": re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{32}(?![0-9a-fA-F])"),
    "an OpenAI-style key (sk-...)": re.compile(r"sk-[A-Za-z0-9_-]{16,}"),
    "a JWT (eyJ...)": re.compile(r"eyJ[A-Za-z0-9_-]{10,}"),
}
SETUP_LINES = ("from aoai_nb import", "client = make_client()")


def notebook_paths() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_the_collection_has_one_notebook_per_theme() -> None:
    assert [p.stem for p in notebook_paths()] == EXPECTED


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path: Path) -> None:
    notebook = read(path)
    nbformat.validate(notebook)
    assert {k: set(v) for k, v in notebook.metadata.items()} == NOTEBOOK_METADATA
    assert notebook.metadata.kernelspec.name == "python3"
    for index, cell in enumerate(notebook.cells):
        assert cell.metadata == {}, f"cell {index} has metadata {dict(cell.metadata)}: clear it"
        assert "attachments" not in cell, f"cell {index} has attachments"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {index} has an execution count"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_holds_nothing_key_like(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for what, pattern in KEY_LIKE.items():
        match = pattern.search(text)
        assert match is None, f"{path.name} contains {what}: {match.group(0)[:8]}..."


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_follows_the_skeleton(path: Path) -> None:
    cells = read(path).cells
    title = cells[0]
    assert title.cell_type == "markdown"
    lines = title.source.splitlines()
    assert lines[0].startswith("# ") and not lines[0].startswith("## "), (
        "the first cell opens with an H1 title"
    )
    assert lines[1] == "" and lines[2].strip().endswith("."), "one sentence of promise follows the title"
    assert "This notebook shows:" in title.source
    promised = re.findall(r"^(\d+)\. (.+)$", title.source, flags=re.MULTILINE)
    assert [int(n) for n, _ in promised] == list(range(1, len(promised) + 1)) and len(promised) >= 3
    headings = [
        match
        for cell in cells
        if cell.cell_type == "markdown"
        for match in re.findall(r"^## (\d+)\. (.+)$", cell.source, flags=re.MULTILINE)
    ]
    assert headings == promised, "numbered headings must match the 'This notebook shows' list, in order"


@pytest.mark.parametrize("path", notebook_paths(), ids=lambda p: p.stem)
def test_code_cells_open_with_a_comment_and_are_followed_by_an_observation(path: Path) -> None:
    cells = read(path).cells
    code = [i for i, cell in enumerate(cells) if cell.cell_type == "code"]
    setup = cells[code[0]].source
    assert all(line in setup for line in SETUP_LINES), "the first code cell is the setup cell"
    assert sum(all(line in cells[i].source for line in SETUP_LINES) for i in code) == 1, "one setup cell"
    for index in code[1:]:
        source = cells[index].source
        assert source.startswith("# ") and "\n" in source, f"cell {index} must open with a one-line comment"
        after = cells[index + 1] if index + 1 < len(cells) else None
        assert after is not None and after.cell_type == "markdown", (
            f"cell {index} needs an observation after it"
        )
        assert not re.search(r"\bmodel=[\"']", source), (
            f"cell {index} hard-codes a deployment: use settings.deployments.<capability>"
        )


def test_notebook_code_passes_ruff() -> None:
    """The project's lint and format rules apply to notebook code too (ruff reads .ipynb natively)."""
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, str(NOTEBOOKS)], capture_output=True, text=True
        )
        assert result.returncode == 0, f"ruff {' '.join(command)} notebooks/:\n{result.stdout}{result.stderr}"
