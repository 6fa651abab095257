"""``aoai-nb run``: execute notebooks headless, top to bottom, and report which ones pass.

A notebook passes when no cell raised and no output shows a warning (a stderr ``...Warning`` line).

With no Azure endpoint configured, ONE local emulator serves the whole run: its URL and key reach every kernel
through ``AOAI_NB_EMULATOR_URL`` / ``AOAI_NB_EMULATOR_KEY`` (kernels inherit ``os.environ``), so ``make_client()``
in a notebook connects to it instead of starting its own. Executed copies go to ``--out`` (default
``notebooks/_runs/``), never over the committed notebooks. nbclient and nbformat are imported only when running.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aoai_nb._run_report import NotebookResult, RunReport
from aoai_nb.client import ENV_EMULATOR_CA, ENV_EMULATOR_KEY, ENV_EMULATOR_URL

if TYPE_CHECKING:
    from aoai_nb._recordings import RecordingPlan
    from aoai_nb.emulator import Emulator

__all__ = [
    "DEFAULT_FOLDER",
    "DEFAULT_TIMEOUT_S",
    "KERNEL_NAME",
    "NOTEBOOK_PATTERN",
    "RUNS_FOLDER",
    "Engine",
    "NotebookResult",
    "RunReport",
    "add_arguments",
    "emulator_for_run",
    "environment",
    "find_notebooks",
    "first_warning",
    "run_notebook",
    "run_notebooks",
    "run_notebooks_cli",
]

Engine = Literal["auto", "local", "scripted"]
DEFAULT_FOLDER = Path("notebooks")
RUNS_FOLDER = "_runs"  # beside the notebooks (git-ignored as notebooks/_runs/)
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"
DEFAULT_TIMEOUT_S = 600.0
KERNEL_NAME = "python3"


def find_notebooks(paths: Sequence[str | Path] = ()) -> list[Path]:
    """The notebooks named; folders expand to their ``NN_*.ipynb`` files, sorted; none named -> ``notebooks/``."""
    found: list[Path] = []
    for given in paths or [DEFAULT_FOLDER]:
        path = Path(given)
        if path.is_dir():
            found += sorted(path.glob(NOTEBOOK_PATTERN))
        elif path.is_file() and path.suffix == ".ipynb":
            found.append(path)
        else:
            raise FileNotFoundError(
                f"{path} is not a notebook or a folder of notebooks: name .ipynb files, or run from the "
                "repository root so that notebooks/ is found."
            )
    if not found:
        raise FileNotFoundError(
            f"No {NOTEBOOK_PATTERN} notebooks in {', '.join(map(str, paths or ['notebooks']))}."
        )
    return found


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the duration (kernels inherit them), then restore the previous values."""
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def emulator_for_run(
    engine: Engine,
    emulator: Emulator | None = None,
    recording: RecordingPlan | None = None,
    tls: bool = False,
) -> Iterator[str]:
    """Yield a description of the target. With ``recording``, a record or replay emulator stands in for the
    Azure resource; else, with no Azure endpoint configured, announce ``emulator`` to the kernels, or start one
    for the run (``tls``: over https; and stop it afterwards)."""
    from aoai_nb.config import load_settings

    if recording is not None:
        from aoai_nb._recordings import recording_emulator

        with recording_emulator(recording, engine) as (target, env), environment(env):
            yield target
        return
    settings = load_settings()
    if not settings.uses_emulator:
        yield f"{settings.endpoint} ({settings.flavour} flavour)"
        return
    owned = emulator is None
    if emulator is None:
        from aoai_nb.emulator import Emulator

        emulator = Emulator(engine=engine, tls=tls).start()
    announced = {ENV_EMULATOR_URL: emulator.url, ENV_EMULATOR_KEY: emulator.api_key}
    if emulator.ca_file is not None:  # https: make_client() in the kernels trusts its certificate
        announced[ENV_EMULATOR_CA] = emulator.ca_file
    try:
        with environment(announced):
            engines = f"engine {engine}" if owned else "a running emulator"
            yield f"the local emulator at {emulator.url} ({engines})"
    finally:
        if owned:
            emulator.stop()


_WARNING = re.compile(r"\b(\w*Warning)\b:?\s*(.*)")


def first_warning(notebook: Any) -> tuple[int, str, str] | None:
    """``(cell index, warning name, message)`` of the first warning a cell printed (a stderr stream or a
    ``text/plain`` stderr output naming a ``...Warning``), or None: a notebook that runs must show none."""
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                text = str(output.get("text", ""))
            else:
                text = str(output.get("data", {}).get("application/vnd.jupyter.stderr", ""))
            for line in text.splitlines():
                found = _WARNING.search(line)
                if found:
                    return index, found.group(1), found.group(2).strip() or line.strip()
    return None


def _execute(client: Any, **kwargs: Any) -> None:
    """Run ``client.async_execute`` on an event loop of its own, closed afterwards (also from inside Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(client.async_execute(**kwargs))
        return
    with ThreadPoolExecutor(1) as pool:  # this thread already runs a loop (e.g. called from a notebook)
        pool.submit(lambda: asyncio.run(client.async_execute(**kwargs))).result()


def run_notebook(path: Path, out_dir: Path, *, timeout: float = DEFAULT_TIMEOUT_S) -> NotebookResult:
    """Execute one notebook in a fresh kernel whose working directory is the notebook's folder."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    copy = out_dir / path.name
    if copy.resolve() == path.resolve():
        raise ValueError(f"The executed copy would overwrite {path}: choose another --out folder.")
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    current: dict[str, int] = {}

    def on_cell_start(cell: Any, cell_index: int, **_: Any) -> None:
        current["index"] = cell_index

    client = NotebookClient(
        notebook,
        timeout=max(1, round(timeout)),
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        on_cell_start=on_cell_start,
    )
    started = time.perf_counter()
    error: tuple[str, str] | None = None
    out_dir.mkdir(parents=True, exist_ok=True)
    # The kernel process's own output (startup warnings, crash messages) goes to a log beside the copy.
    log = (out_dir / f"{path.stem}.kernel.log").open("wb")
    try:
        _execute(client, stdout=log, stderr=log)
    except CellExecutionError as exc:
        error = (exc.ename, exc.evalue)
    except CellTimeoutError:
        error = ("CellTimeoutError", f"the cell ran longer than {timeout:g} s (raise --timeout)")
    except DeadKernelError as exc:
        error = ("DeadKernelError", f"{exc} (the kernel's own output is in {log.name})")
    except Exception as exc:  # the kernel could not start, a malformed notebook, ...
        error = (type(exc).__name__, str(exc))
    finally:
        log.close()
    seconds = time.perf_counter() - started
    nbformat.write(notebook, copy)  # type: ignore[no-untyped-call]
    warning = first_warning(notebook) if error is None else None
    if warning is not None:  # a warning box fails the notebook, at the cell that printed it
        current["index"], name, message = warning
        error = (name, message)
    if error is None:
        return NotebookResult(path.name, "ok", seconds, str(copy))
    index = current.get("index")
    head = None
    if index is not None:
        lines = str(notebook.cells[index].source).strip().splitlines()
        head = lines[0] if lines else None
    return NotebookResult(path.name, "failed", seconds, str(copy), index, head, error[0], error[1])


def run_notebooks(
    paths: Sequence[str | Path] = (),
    *,
    out_dir: str | Path | None = None,
    engine: Engine = "auto",
    timeout: float = DEFAULT_TIMEOUT_S,
    jobs: int = 1,
    progress: bool = False,
    emulator: Emulator | None = None,
    recording: RecordingPlan | None = None,
    tls: bool = False,
) -> RunReport:
    """Execute notebooks against one shared target, each in a fresh kernel; never raises for a failing notebook.

    ``out_dir``: where executed copies go (default: ``_runs/`` beside the first notebook). ``jobs``: kernels run
    at the same time (results stay in notebook order). ``emulator``: an already started emulator to use when no
    Azure endpoint is configured (else one is started for the run; ``tls``: over https). ``recording``: record
    the run against the configured Azure resource, or replay a recorded one (``aoai_nb._recordings``).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}.")
    notebooks = find_notebooks(paths)
    out = Path(out_dir) if out_dir is not None else notebooks[0].parent / RUNS_FOLDER
    started = time.perf_counter()
    with emulator_for_run(engine, emulator, recording, tls) as target:
        report = RunReport(target, out_dir=str(out))
        if progress:
            print(f"Running {len(notebooks)} notebook(s) against {target}", flush=True)

        def done(result: NotebookResult) -> NotebookResult:
            if progress:
                mark = "ok" if result.ok else f"FAILED at cell {result.cell_index}: {result.error}"
                print(f"  {result.notebook}: {mark} ({result.seconds:.1f} s)", flush=True)
            return result

        if jobs == 1:  # in this thread, so that Ctrl-C stops the running kernel at once
            report.results = [done(run_notebook(path, out, timeout=timeout)) for path in notebooks]
        else:
            with ThreadPoolExecutor(jobs) as pool:
                futures = [pool.submit(run_notebook, path, out, timeout=timeout) for path in notebooks]
                for future in as_completed(futures):
                    done(future.result())
            report.results = [future.result() for future in futures]
    report.seconds = time.perf_counter() - started
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help=f"notebooks or folders (default: notebooks/{NOTEBOOK_PATTERN})",
    )
    parser.add_argument(
        "--out", default=None, help=f"folder for executed copies (default: notebooks/{RUNS_FOLDER})"
    )
    parser.add_argument(
        "--report", default=None, help="report file: .json or markdown (default: OUT/report.md + .json)"
    )
    parser.add_argument(
        "--engine", default="auto", choices=["auto", "local", "scripted"], help="emulator engines"
    )
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at the same time (default: 1)")
    parser.add_argument(
        "--tls", action="store_true", help="serve the emulator over https (a self-signed certificate)"
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per cell (default: 600)"
    )
    from aoai_nb import _recordings

    _recordings.add_arguments(parser)


def run_notebooks_cli(args: argparse.Namespace) -> int:
    from aoai_nb._recordings import plan_from_args

    try:
        report = run_notebooks(
            args.notebooks,
            out_dir=args.out,
            engine=args.engine,
            timeout=args.timeout,
            jobs=args.jobs,
            progress=True,
            recording=plan_from_args(args),
            tls=args.tls,
        )
    except (FileNotFoundError, ValueError) as exc:  # ValueError includes ConfigError
        print(f"aoai-nb run: {exc}")
        return 2
    print()
    print(report.to_text())
    out = Path(report.out_dir)
    paths = [args.report] if args.report else [out / "report.md", out / "report.json"]
    print("Executed copies in", out, "- report:", ", ".join(str(report.write(p)) for p in paths))
    return 0 if report.ok else 1
