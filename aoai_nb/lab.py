"""``aoai-nb lab``: JupyterLab on the notebooks, with the local emulator behind it when no Azure resource is set.

The emulator runs in this process; its URL and key reach every kernel through ``AOAI_NB_EMULATOR_URL`` and
``AOAI_NB_EMULATOR_KEY``, so ``make_client()`` in a notebook connects to it instead of starting another.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from aoai_nb.client import ENV_EMULATOR_KEY, ENV_EMULATOR_URL
from aoai_nb.config import load_settings


def jupyter_command(folder: str, extra: list[str]) -> list[str]:
    command = [sys.executable, "-m", "jupyter", "lab", folder, *extra]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        command.append("--allow-root")  # containers and CI machines run as root
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and "--no-browser" not in extra:
        command.append("--no-browser")  # headless: open the printed URL yourself
    return command


def run_lab(args: argparse.Namespace) -> int:
    from aoai_nb._recordings import plan_from_args, recording_emulator

    plan = plan_from_args(args)
    if plan is not None:
        with recording_emulator(plan, args.engine) as (target, kernel_env):
            print(f"Notebooks will use {target}.")
            return _jupyter(args, {**os.environ, **kernel_env})
    settings = load_settings()
    env = dict(os.environ)
    emulator = None
    if settings.uses_emulator:
        from aoai_nb.emulator import Emulator

        emulator = Emulator(engine=args.engine).start()
        env[ENV_EMULATOR_URL] = emulator.url
        env[ENV_EMULATOR_KEY] = emulator.api_key
        print(f"No Azure endpoint configured: notebooks will use the local emulator at {emulator.url}")
    else:
        print(f"Notebooks will use {settings.endpoint} ({settings.flavour} flavour).")
    try:
        return _jupyter(args, env)
    finally:
        if emulator is not None:
            emulator.stop()


def _jupyter(args: argparse.Namespace, env: dict[str, str]) -> int:
    extra = [a for a in args.jupyter_args if a != "--"]
    try:
        return subprocess.call(jupyter_command(args.notebooks, extra), env=env)
    except KeyboardInterrupt:
        return 130
