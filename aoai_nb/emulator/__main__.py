"""``python -m aoai_nb.emulator``: the same as ``aoai-nb emulator``."""

from __future__ import annotations

import argparse
import sys

from aoai_nb.emulator.cli import add_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aoai_nb.emulator",
        description="Serve the Azure OpenAI REST API on localhost (offline).",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
