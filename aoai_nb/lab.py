"""``aoai-nb lab``: JupyterLab on the notebooks, with the local emulator behind it when no Azure resource is set.

The emulator runs in this process; its URL and key reach every kernel through ``AOAI_NB_EMULATOR_URL`` and
``AOAI_NB_EMULATOR_KEY``, so ``make_client()`` in a notebook connects to it instead of starting another.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass

from aoai_nb.client import ENV_EMULATOR_CA, ENV_EMULATOR_KEY, ENV_EMULATOR_URL
from aoai_nb.config import load_settings

EPILOG = (
    "Other JupyterLab options go after `--`, e.g. `aoai-nb lab --port 9999 -- --ServerApp.base_url=/lab/`. "
    "Run as root, it adds --allow-root; on Linux without a display (no DISPLAY or WAYLAND_DISPLAY), "
    "--no-browser (open the printed URL yourself)."
)


@dataclass(frozen=True)
class LabOptions:
    """What ``aoai-nb lab`` hands to JupyterLab: the folder, the server's port and address, and the rest."""

    notebooks: str = "notebooks"
    port: int | None = None
    ip: str | None = None
    no_browser: bool = False
    jupyter_args: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LabOptions:
        return cls(
            notebooks=args.notebooks,
            port=args.port,
            ip=args.ip,
            no_browser=args.no_browser,
            jupyter_args=tuple(a for a in args.jupyter_args if a != "--"),
        )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``lab`` command's options; anything after ``--`` goes to JupyterLab unchanged."""
    parser.epilog = EPILOG
    parser.add_argument("--notebooks", default="notebooks", help="folder to open (default: notebooks)")
    parser.add_argument(
        "--engine", default="auto", choices=["auto", "local", "scripted"], help="emulator engines"
    )
    parser.add_argument(
        "--emulator-config",
        metavar="FILE",
        help="the emulator's config file (YAML, as `aoai-nb emulator --config`: latency, faults, limits)",
    )
    parser.add_argument(
        "--port", type=int, help="JupyterLab's port (default: JupyterLab's, 8888 or the next free)"
    )
    parser.add_argument("--ip", help="address JupyterLab listens on (default: localhost)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.add_argument(
        "--tls", action="store_true", help="serve the emulator over https (a self-signed certificate)"
    )
    parser.add_argument(
        "jupyter_args", nargs="*", metavar="-- JUPYTER_ARGS", help="passed on to `jupyter lab`"
    )


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True  # macOS and Windows open browsers without an X or Wayland display
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def jupyter_command(
    options: LabOptions, *, root: bool | None = None, display: bool | None = None
) -> list[str]:
    """The ``jupyter lab`` command line for ``options``; ``root``/``display`` default to this machine's."""
    root = _running_as_root() if root is None else root
    display = _has_display() if display is None else display
    extra = list(options.jupyter_args)
    command = [sys.executable, "-m", "jupyter", "lab", options.notebooks]
    if options.port is not None:
        command.append(f"--port={options.port}")
    if options.ip is not None:
        command.append(f"--ip={options.ip}")
    if root and "--allow-root" not in extra:
        command.append("--allow-root")  # containers and CI machines run as root
    if (options.no_browser or not display) and "--no-browser" not in extra:
        command.append("--no-browser")
    return [*command, *extra]


def run_lab(args: argparse.Namespace) -> int:
    from aoai_nb._recordings import plan_from_args, recording_emulator

    options = LabOptions.from_args(args)
    plan = plan_from_args(args)
    if plan is not None:
        with recording_emulator(plan, args.engine) as (target, kernel_env):
            print(f"Notebooks will use {target}.")
            return _jupyter(options, {**os.environ, **kernel_env})
    settings = load_settings()
    env = dict(os.environ)
    emulator = None
    if settings.uses_emulator:
        from aoai_nb.emulator import Emulator

        emulator = Emulator(engine=args.engine, config=args.emulator_config, tls=args.tls).start()
        env[ENV_EMULATOR_URL] = emulator.url
        env[ENV_EMULATOR_KEY] = emulator.api_key
        if emulator.ca_file is not None:  # https: make_client() in the kernels trusts its certificate
            env[ENV_EMULATOR_CA] = emulator.ca_file
        print(f"No Azure endpoint configured: notebooks will use the local emulator at {emulator.url}")
    else:
        print(f"Notebooks will use {settings.endpoint} ({settings.flavour} flavour).")
    try:
        return _jupyter(options, env)
    finally:
        if emulator is not None:
            emulator.stop()


def _jupyter(options: LabOptions, env: dict[str, str]) -> int:
    try:
        return subprocess.call(jupyter_command(options), env=env)
    except KeyboardInterrupt:
        return 130
