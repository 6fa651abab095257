"""The facilitator flow: run the notebooks through a recording emulator in front of Azure, then replay offline.

``aoai-nb run --record DIR`` starts an emulator that forwards to the configured Azure resource and records every
exchange; ``aoai-nb run --replay DIR`` and ``aoai-nb lab --replay DIR`` answer from the recordings. In both, the
kernels see the emulator as if it were the Azure resource (``AZURE_OPENAI_ENDPOINT`` = the emulator, with its
key) and get the deployment names, api-version and flavour of the recording (kept in ``DIR/settings.json``), so
the notebooks take the same paths and send the same requests on replay as when they were recorded.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from aoai_nb.config import (
    ENV_API_KEY,
    ENV_API_VERSION,
    ENV_AUTH,
    ENV_ENDPOINT,
    ENV_FLAVOUR,
    ConfigError,
    deployment_env,
    load_settings,
)

if TYPE_CHECKING:
    from aoai_nb.emulator.engines import EngineKind

SETTINGS_FILE = "settings.json"


@dataclass(frozen=True)
class RecordingPlan:
    mode: Literal["record", "replay"]
    directory: Path
    speed: float = 1.0
    miss: Literal["error", "engine"] = "error"


def plan_from_args(args: Any) -> RecordingPlan | None:
    """``--record DIR`` / ``--replay DIR`` (with ``--replay-speed``, ``--replay-miss``) from parsed arguments."""
    record, replay = getattr(args, "record", None), getattr(args, "replay", None)
    if record and replay:
        raise ConfigError(["Give --record DIR or --replay DIR, not both."])
    if record:
        return RecordingPlan("record", Path(record))
    if replay:
        speed = float(getattr(args, "replay_speed", 1.0))
        if speed < 0:
            raise ConfigError([f"--replay-speed must be 0 (no delays) or more, got {speed:g}."])
        return RecordingPlan("replay", Path(replay), speed, getattr(args, "replay_miss", "error"))
    return None


def add_arguments(parser: Any) -> None:
    parser.add_argument("--record", metavar="DIR", help="run against the configured Azure resource through a "
                        "recording emulator, writing every exchange to DIR")  # fmt: skip
    parser.add_argument("--replay", metavar="DIR", help="answer from the recordings in DIR (offline)")
    parser.add_argument("--replay-speed", type=float, default=1.0,
                        help="scale recorded delays: 1 as recorded (default), 0 none")  # fmt: skip
    parser.add_argument("--replay-miss", choices=("error", "engine"), default="error",
                        help="a request with no recording: an error naming it (default), or the engines answer")  # fmt: skip


def _settings_for_kernels(url: str, key: str, saved: dict[str, Any]) -> dict[str, str]:
    env = {ENV_ENDPOINT: url, ENV_API_KEY: key, ENV_AUTH: "key"}
    if saved.get("api_version"):
        env[ENV_API_VERSION] = str(saved["api_version"])
    if saved.get("flavour"):
        env[ENV_FLAVOUR] = str(saved["flavour"])
    for capability, name in (saved.get("deployments") or {}).items():
        env[deployment_env(capability)] = str(name)
    return env


@contextmanager
def recording_emulator(
    plan: RecordingPlan, engine: EngineKind = "auto"
) -> Iterator[tuple[str, dict[str, str]]]:
    """Start the record or replay emulator for ``plan``; yield (a description, the kernels' environment)."""
    from aoai_nb.emulator import Emulator
    from aoai_nb.emulator.recording import RecordTo, ReplayFrom

    settings_file = plan.directory / SETTINGS_FILE
    if plan.mode == "record":
        settings = load_settings()
        if settings.uses_emulator or settings.endpoint is None:
            raise ConfigError(
                ["--record needs an Azure resource to record from: set AZURE_OPENAI_ENDPOINT (and "
                 "AZURE_OPENAI_API_KEY, or sign in for Microsoft Entra ID with `az login`)."]
            )  # fmt: skip
        saved = {
            "api_version": settings.api_version,
            "flavour": settings.flavour,
            "deployments": dataclasses.asdict(settings.deployments),
        }
        plan.directory.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(json.dumps(saved, indent=1) + "\n", "utf-8")  # names: no key, no endpoint
        key = settings.api_key.reveal() if settings.api_key else None
        emulator = Emulator(engine=engine, record=RecordTo(plan.directory, settings.endpoint, key))
        what = f"recording {settings.endpoint} into {plan.directory}"
    else:
        if not plan.directory.is_dir():
            raise FileNotFoundError(
                f"No recordings at {plan.directory}: record them with `aoai-nb run --record DIR`."
            )
        saved = json.loads(settings_file.read_text("utf-8")) if settings_file.is_file() else {}
        replay = ReplayFrom(plan.directory, plan.speed, plan.miss)
        emulator = Emulator(engine=engine, replay=replay)
        what = f"replaying {plan.directory} (speed {plan.speed:g}, misses: {plan.miss})"
    emulator.start()
    try:
        yield (
            f"{what} through the emulator at {emulator.url}",
            _settings_for_kernels(emulator.url, emulator.api_key, saved),
        )
    finally:
        emulator.stop()
