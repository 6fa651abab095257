"""The ``aoai-nb`` command: ``emulator``, ``doctor``, ``lab`` and ``run``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

DESCRIPTION = (
    "Azure OpenAI from Python in Jupyter: an offline emulator, a preflight doctor and the notebooks."
)


def _doctor(args: argparse.Namespace) -> int:
    from aoai_nb.doctor import doctor

    report = doctor()
    print(report)
    return 0 if report.ok else 1


def _lab(args: argparse.Namespace) -> int:
    from aoai_nb.lab import run_lab

    return run_lab(args)


def _run(args: argparse.Namespace) -> int:
    from aoai_nb.runner import run_notebooks_cli

    return run_notebooks_cli(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aoai-nb", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    emulator = commands.add_parser("emulator", help="serve Azure OpenAI's REST API on localhost (offline)")
    from aoai_nb.emulator import cli as emulator_cli

    emulator_cli.add_arguments(emulator)
    emulator.set_defaults(handler=emulator_cli.run)

    doctor = commands.add_parser("doctor", help="check settings, auth, endpoint and every deployment")
    doctor.set_defaults(handler=_doctor)

    lab = commands.add_parser(
        "lab", help="JupyterLab on notebooks/, with the emulator when no Azure resource is set"
    )
    lab.add_argument("--notebooks", default="notebooks", help="folder to open (default: notebooks)")
    lab.add_argument(
        "--engine", default="auto", choices=["auto", "local", "scripted"], help="emulator engines"
    )
    from aoai_nb import _recordings

    _recordings.add_arguments(lab)
    lab.add_argument("jupyter_args", nargs=argparse.REMAINDER, help="passed on to `jupyter lab`")
    lab.set_defaults(handler=_lab)

    run_notebooks = commands.add_parser("run", help="execute every notebook headless and write a report")
    from aoai_nb import runner

    runner.add_arguments(run_notebooks)
    run_notebooks.set_defaults(handler=_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from aoai_nb.config import ConfigError

    try:
        code: int = args.handler(args)
    except ConfigError as exc:
        print(f"aoai-nb {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
