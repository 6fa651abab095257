"""Command line for the emulator: ``aoai-nb emulator ...`` and ``python -m aoai_nb.emulator ...``."""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import signal
import sys
import time
from typing import Any

from aoai_nb.emulator.config import (
    FAULT_STATUSES,
    ConfigFileError,
    EmulatorConfig,
    control_value,
    parse_fault_rates,
    public_url,
)

LOOPBACK_NAMES = {"localhost"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine only)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, help="port to listen on (0 picks a free one; default 8000)"
    )
    parser.add_argument(
        "--api-key", help="the key clients must send (default: a random one, printed at start)"
    )
    parser.add_argument("--no-auth", action="store_true", help="accept any key, or none")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a self-signed certificate made at start-up (its CA file is printed); "
        "for clients that refuse plain http, such as Semantic Kernel",
    )
    parser.add_argument(
        "--engine",
        choices=("scripted", "local", "auto"),
        default="auto",
        help="scripted: deterministic placeholders; local: real small models ([local] extra); "
        "auto: local when installed (default)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="YAML file with deployments and controls (format: aoai_nb/emulator/deployments.yaml)",
    )
    parser.add_argument(
        "--fault-rate",
        action="append",
        default=[],
        metavar="STATUS=RATE",
        help=f"inject STATUS ({'|'.join(map(str, FAULT_STATUSES))}) on this fraction of requests, "
        "e.g. 429=0.1; repeatable",
    )
    parser.add_argument("--retry-after-ms", type=int, help="retry-after-ms sent with injected 429s")
    parser.add_argument("--latency-ms", type=float, help="added before the first token of every response")
    parser.add_argument("--per-token-ms", type=float, help="added per generated token")
    parser.add_argument(
        "--stream-flush-ms",
        type=float,
        help="streamed chunks ready within this window after a write share the next write "
        "(default 50; 0 writes each chunk as soon as it exists)",
    )
    parser.add_argument(
        "--no-filter-heuristic",
        action="store_true",
        help="content filter reacts to the x-aoai-nb-filter header only",
    )
    parser.add_argument(
        "--public-url",
        metavar="URL",
        help="base of generated image URLs, e.g. http://workshop.example:8000 (default: the bound address)",
    )
    parser.add_argument(
        "--log-level", default="warning", choices=("critical", "error", "warning", "info", "debug")
    )
    parser.add_argument(
        "--http",
        choices=("auto", "fast", "h11"),
        default="auto",
        help="HTTP stack: fast = httptools + uvloop, h11 = pure Python on asyncio, auto = fast when installed",
    )
    parser.add_argument(
        "--record", metavar="DIR", help="forward to --upstream and record every exchange in DIR"
    )
    parser.add_argument(
        "--upstream",
        metavar="URL",
        help="with --record: the Azure resource (or emulator) to forward to; authenticates with "
        "AZURE_OPENAI_API_KEY, else Microsoft Entra ID",
    )
    parser.add_argument("--replay", metavar="DIR", help="answer from the recordings in DIR, offline")
    parser.add_argument(
        "--replay-speed", type=float, default=1.0, help="scale recorded delays (1 as recorded, 0 none)"
    )
    parser.add_argument(
        "--replay-miss",
        choices=("error", "engine"),
        default="error",
        help="a request with no recording: an Azure-shaped 404 naming it (default), or served by the engines",
    )


def _recording(args: argparse.Namespace) -> dict[str, Any]:
    """Emulator(record=..., replay=...) from --record/--upstream/--replay; ConfigFileError names a misuse."""
    from pathlib import Path

    from aoai_nb.emulator.recording import RecordTo, ReplayFrom

    record, replay, upstream = (
        getattr(args, "record", None),
        getattr(args, "replay", None),
        getattr(args, "upstream", None),
    )
    if record and replay:
        raise ConfigFileError("Give --record DIR or --replay DIR, not both.")
    if record:
        if not upstream:
            raise ConfigFileError("--record needs --upstream URL: the Azure resource to forward to.")
        return {"record": RecordTo(Path(record), upstream)}
    if upstream:
        raise ConfigFileError("--upstream is for --record DIR.")
    if replay:
        if args.replay_speed < 0:
            raise ConfigFileError(f"--replay-speed must be 0 or more, got {args.replay_speed:g}.")
        return {"replay": ReplayFrom(Path(replay), args.replay_speed, args.replay_miss)}
    return {}


def _config(args: argparse.Namespace) -> EmulatorConfig:
    config = EmulatorConfig.from_file(args.config) if args.config else EmulatorConfig.default()
    changes: dict[str, Any] = {}
    if args.fault_rate:
        raw: dict[str, str] = {}
        for item in args.fault_rate:
            status, equals, rate = item.partition("=")
            if not equals:
                raise ConfigFileError(f"--fault-rate {item!r}: use STATUS=RATE, e.g. 429=0.1.")
            raw[status.strip()] = rate.strip()
        try:
            rates = {status: float(rate) for status, rate in raw.items()}
        except ValueError:
            raise ConfigFileError(f"--fault-rate {args.fault_rate}: rates are numbers from 0 to 1.") from None
        changes["fault_rates"] = {**config.fault_rates, **parse_fault_rates(rates, "--fault-rate")}
    if args.retry_after_ms is not None:
        control_value("fault_retry_after_ms", args.retry_after_ms, "command line", "--retry-after-ms")
        changes["fault_retry_after_ms"] = args.retry_after_ms
    options = (("latency_ms", "first_token_ms"), ("per_token_ms", "per_token_ms"), ("stream_flush_ms",) * 2)
    for option, field in options:
        value = getattr(args, option)
        if value is not None:
            changes[field] = control_value(field, value, "command line", f"--{option.replace('_', '-')}")
    if args.no_filter_heuristic:
        changes["filter_heuristic"] = False
    if args.public_url is not None:
        changes["public_url"] = public_url(args.public_url, "--public-url")
    return dataclasses.replace(config, **changes)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def banner(
    status: dict[str, Any], url: str, api_key: str, key_generated: bool, ca_file: str | None = None
) -> str:
    emulator = status["emulator"]
    lines = [
        f"aoai-nb emulator {emulator['version']}: Azure OpenAI on {url} (offline, engine {emulator['engine']})",
        "",
        "  Deployments (name, capability, engine, model, limits):",
    ]
    for d in status["deployments"]:
        limits = ", ".join(f"{k.upper()} {d[k]}" for k in ("tpm", "rpm") if d[k] is not None) or "no limits"
        lines.append(
            f"    {d['name']:<24} {d['capability']:<14} {d['engine_name'] or '?':<12} {d['model']:<28} "
            f"{limits}"
        )
    recording = status.get("recording")
    if recording:
        what = (
            f"forwarding to {recording['upstream']}, recording into {recording['directory']}"
            if recording["mode"] == "record"
            else f"answering from {recording['directory']} ({recording['recordings']} recordings, speed "
            f"{recording['speed']:g}, misses: {recording['miss']})"
        )
        lines += ["", f"  {recording['mode'].capitalize()}: {what}"]
    faults, latency, content_filter = status["faults"], status["latency"], status["content_filter"]
    rates = " ".join(f"{k}={v:g}" for k, v in faults["rates"].items()) or "none"
    lines += [
        "",
        f"  Faults: random {rates}; per request: header x-aoai-nb-fault: 408|429|500|502|503|504|timeout|"
        f"disconnect (429 retry-after-ms {faults['retry_after_ms']}, timeout sleeps {faults['timeout_seconds']:g} s)",
        f"  Latency: first token {latency['first_token_ms']:g} ms, per token {latency['per_token_ms']:g} ms, "
        f"stream write window {latency['stream_flush_ms']:g} ms; per request: header x-aoai-nb-latency-ms: N",
        f"  Content filter: header x-aoai-nb-filter (e.g. prompt:violence=high, output:sexual=medium, "
        f"prompt:jailbreak); heuristic {'on' if content_filter['heuristic'] else 'off'}",
        f"  HTTP stack: {status['server']['http']} on {status['server']['loop']}",
        f"  Auth: {'api-key or Authorization: Bearer' if emulator['auth'] else 'OFF (--no-auth): any key'}",
        f"  API key: {api_key}"
        + ("   (generated for this run; choose one with --api-key)" if key_generated else ""),
        *_tls_lines(ca_file),
        "",
        "  Point the openai SDK at it:",
        f"    export AZURE_OPENAI_ENDPOINT={url} AZURE_OPENAI_API_KEY={api_key} OPENAI_API_VERSION=2024-10-21",
        f'    AzureOpenAI(azure_endpoint="{url}", api_key=..., api_version="2024-10-21")',
        f'    OpenAI(base_url="{url}/openai/v1/", api_key=...)      # the v1 endpoint',
        f"  Status: GET {url}/aoai-nb/status (with the key). Ctrl-C stops.",
    ]
    return "\n".join(lines)


def _tls_lines(ca_file: str | None) -> list[str]:
    if ca_file is None:
        return []
    return [
        f"  TLS: self-signed certificate made for this run; CA file: {ca_file}",
        f"    trust it: export AOAI_NB_EMULATOR_CA={ca_file}   (make_client(); aoai-nb lab/run set it)",
        f"    other httpx clients (Semantic Kernel, LangChain): export SSL_CERT_FILE={ca_file}",
        "    (SSL_CERT_FILE replaces the system's CA bundle in that shell: use it for emulator sessions only)",
    ]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from aoai_nb.emulator.engines.base import EngineUnavailable
    from aoai_nb.emulator.server import Emulator

    out = sys.stdout
    try:
        config = _config(args)
        recording = _recording(args)
    except ConfigFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print(
            f"warning: binding {args.host} exposes the emulator to other machines; anyone who can reach it and "
            "has the key can use it. Use --host 127.0.0.1 to keep it local.",
            file=sys.stderr,
        )
    emulator = Emulator(
        host=args.host,
        port=args.port,
        api_key=args.api_key,
        auth=not args.no_auth,
        engine=args.engine,
        config=config,
        log_level=args.log_level,
        tls=args.tls,
        http=args.http,
        **recording,
    )
    try:
        emulator.start()
    except (EngineUnavailable, OSError, RuntimeError, ValueError) as exc:
        print(f"error: cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as Ctrl-C does (and removes --tls's key files)
    try:
        print(
            banner(emulator.status(), emulator.url, emulator.api_key, args.api_key is None, emulator.ca_file),
            file=out,
            flush=True,
        )
        while emulator.running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("\nstopping the emulator", file=out)
    finally:
        emulator.stop()
    return 0
