"""The report of an ``aoai-nb run``: how each notebook ran, as a text table, markdown or JSON.

``aoai_nb.runner`` re-exports ``NotebookResult`` and ``RunReport``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class NotebookResult:
    """How one notebook ran. ``cell_index`` counts every cell (markdown too) from 0, as Jupyter shows them."""

    notebook: str
    status: Literal["ok", "failed"]
    seconds: float
    executed_copy: str | None = None
    cell_index: int | None = None
    cell_head: str | None = None  # the failing cell's first line (its one-line comment)
    error_name: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def error(self) -> str:
        """``Name: first line of the message`` (at most 160 characters); empty when the notebook passed."""
        if self.ok:
            return ""
        message = next(iter((self.error_message or "").strip().splitlines()), "")
        message = message if len(message) <= 160 else message[:157] + "..."
        return f"{self.error_name}: {message}" if message else str(self.error_name)


def _cell(index: int | None) -> str:
    return "" if index is None else str(index)


@dataclass
class RunReport:
    """Every notebook's result, the target they ran against and the total time."""

    target: str
    results: list[NotebookResult] = field(default_factory=list)
    seconds: float = 0.0
    out_dir: str = ""  # where the executed copies are

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def failed(self) -> list[NotebookResult]:
        return [result for result in self.results if not result.ok]

    def __repr__(self) -> str:
        return f"<RunReport {len(self.results)} notebooks, {len(self.failed)} failed>"

    def summary(self) -> str:
        passed = len(self.results) - len(self.failed)
        return (
            f"{len(self.results)} notebook{'s' * (len(self.results) != 1)}: {passed} ok, {len(self.failed)} failed "
            f"in {self.seconds:.1f} s against {self.target}"
        )

    def _rows(self) -> list[tuple[str, str, str, str, str]]:
        return [
            (r.notebook, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}", _cell(r.cell_index), r.error)
            for r in self.results
        ]

    def to_text(self) -> str:
        rows = [("notebook", "status", "seconds", "cell", "error"), *self._rows()]
        w = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            f"{a:<{w[0]}}  {b:<{w[1]}}  {c:>{w[2]}}  {d:>{w[3]}}  {e}".rstrip() for a, b, c, d, e in rows
        ]
        return "\n".join([*lines, self.summary()])

    def to_markdown(self) -> str:
        lines = [
            "# Notebook run",
            "",
            self.summary() + ".",
            "",
            "| notebook | status | seconds | failing cell | error |",
            "|---|---|---:|---:|---|",
        ]
        for notebook, status, seconds, cell, error in self._rows():
            lines.append(f"| {notebook} | {status} | {seconds} | {cell} | {error.replace('|', '/')} |")
        for result in self.failed:
            lines += ["", f"## {result.notebook}: cell {result.cell_index}", ""]
            if result.cell_head:
                lines.append(f"Cell starts with `{result.cell_head}`.")
            lines += ["", "```", f"{result.error_name}: {result.error_message}", "```"]
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "out_dir": self.out_dir,
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "notebooks": [asdict(result) | {"seconds": round(result.seconds, 3)} for result in self.results],
        }

    def write(self, path: str | Path) -> Path:
        """Write the report: JSON when ``path`` ends in ``.json``, markdown otherwise."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2) + "\n" if target.suffix == ".json" else self.to_markdown()
        target.write_text(text, encoding="utf-8")
        return target
