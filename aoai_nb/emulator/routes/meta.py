"""Models listing, generated-image URLs, and the emulator's own endpoints (status, controls, stats reset)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from aoai_nb._version import __version__
from aoai_nb.emulator import model_listing, policy
from aoai_nb.emulator.config import (
    CONTROL_RANGES,
    ConfigFileError,
    control_value,
    parse_fault_rates,
)
from aoai_nb.emulator.faults import FAULT_HEADER, LATENCY_HEADER, RETRY_AFTER_HEADER, FaultInjector
from aoai_nb.emulator.payloads import parse_json, read_body
from aoai_nb.emulator.runtime import Runtime
from aoai_nb.emulator.wire import dumps, echo, invalid_request, resource_not_found
from aoai_nb.models import load_catalog, lookup


def _json(obj: Any, status: int = 200) -> Response:
    return Response(dumps(obj), status, media_type="application/json")


def _check(rt: Runtime, request: Request, v1: bool) -> None:
    policy.check_key_and_version(request.headers, request.query_params, rt.api_key, rt.auth, v1)


async def list_models(rt: Runtime, request: Request, v1: bool) -> Response:
    """The catalog's models (what the resource could deploy), not the deployments (see model_listing)."""
    _check(rt, request, v1)
    shape = model_listing.v1_model if v1 else model_listing.classic_model
    return _json({"object": "list", "data": [shape(info) for info in load_catalog().values()]})


async def get_model(rt: Runtime, request: Request, v1: bool) -> Response:
    _check(rt, request, v1)
    name = request.path_params["model"]
    info = lookup(name)
    if info is None:
        raise invalid_request(
            f"The model {echo(name)} does not exist; GET /openai/models lists the models.",
            param="model",
            code="model_not_found",
            status=404,
        )
    return _json(model_listing.v1_model(info) if v1 else model_listing.classic_model(info))


async def image(rt: Runtime, request: Request) -> Response:
    """Generated images, by the unguessable id in their URL (no key: like Azure's SAS-signed blob URLs)."""
    png = rt.images.get(request.path_params["image_id"])
    if png is None:
        raise resource_not_found()
    return Response(
        b"" if request.method == "HEAD" else png,
        media_type="image/png",
        headers={"content-length": str(len(png)), "cache-control": "private, max-age=3600"},
    )


def status(rt: Runtime) -> dict[str, Any]:
    config = rt.config
    deployments = []
    for d in rt.registry.all():
        engines = rt.engine_names().get(d.engine, {d.capability: f"{d.engine} (loads on first use)"})
        requests, tokens = rt.limiter.usage(d.name)
        deployments.append(
            {
                **dataclasses.asdict(d),
                "engine_name": engines.get(d.capability),  # EngineSet.names() is keyed by capability
                "window": {"requests": requests, "tokens": tokens},
            }
        )
    return {
        "emulator": {
            "version": __version__,
            "auth": rt.auth,
            "region": config.region,
            "engine": rt.engine_kind,
        },
        "engines": rt.engine_names(),
        "deployments": deployments,
        "faults": {
            "rates": {str(k): v for k, v in rt.faults.rates.items()},
            "retry_after_ms": config.fault_retry_after_ms,
            "timeout_seconds": config.fault_timeout_seconds,
            "headers": [FAULT_HEADER, RETRY_AFTER_HEADER],
        },
        "latency": {
            "first_token_ms": config.first_token_ms,
            "per_token_ms": config.per_token_ms,
            "stream_flush_ms": config.stream_flush_ms,
            "header": LATENCY_HEADER,
        },
        "content_filter": rt.filter.describe(),
        "limits": {
            "max_json_bytes": config.max_json_bytes,
            "max_audio_bytes": config.max_audio_bytes,
            "image_cache": config.image_cache,
            "images_cached": len(rt.images),
            "max_audio_seconds": config.max_audio_seconds,
            "header_timeout_seconds": config.header_timeout_seconds,
            "body_timeout_seconds": config.body_timeout_seconds,
            "max_queued_generations": config.max_queued_generations,
        },
        "requests": {**rt.stats.as_dict(), "in_flight": rt.in_flight},
        **{name: describe() for name, describe in rt.extra_status.items()},
    }


async def get_status(rt: Runtime, request: Request) -> Response:
    policy.check_auth(request.headers, rt.api_key, rt.auth)
    return _json(status(rt))


async def reset_stats(rt: Runtime, request: Request) -> Response:
    policy.check_auth(request.headers, rt.api_key, rt.auth)
    rt.stats = type(rt.stats)()
    return _json(status(rt))


CONTROL_KEYS = {
    "fault_rates",
    "fault_retry_after_ms",
    "fault_timeout_seconds",
    "fault_seed",
    "first_token_ms",
    "per_token_ms",
    "stream_flush_ms",
    "filter_heuristic",
    "limits",
    "reset_rate_limits",
}


async def set_controls(rt: Runtime, request: Request) -> Response:
    """Change teaching controls at run time; the body holds only the keys to change (see docs/emulator.md)."""
    policy.check_auth(request.headers, rt.api_key, rt.auth)
    body = parse_json(
        await read_body(request, rt.config.max_json_bytes, "controls body", rt.config.body_timeout_seconds)
    )
    if not isinstance(body, dict):
        raise invalid_request(
            'Send the controls to change as a JSON object, e.g. {"fault_rates": {"429": 0.5}}.'
        )
    unknown = set(body) - CONTROL_KEYS
    if unknown:
        raise invalid_request(
            f"Unknown controls {echo(sorted(unknown))}; known: {sorted(CONTROL_KEYS)}.",
            param=sorted(unknown)[0],
        )
    try:
        _apply_controls(rt, body)
    except ConfigFileError as exc:
        raise invalid_request(str(exc)) from None
    return _json(status(rt))


def _apply_controls(rt: Runtime, body: dict[str, Any]) -> None:
    config = rt.config
    limits = body.get("limits") or {}
    if not isinstance(limits, dict):
        raise ConfigFileError('controls: \'limits\' maps deployment names to {"tpm": n, "rpm": n}.')
    updated = []
    for name, values in limits.items():
        deployment = next((d for d in rt.registry.all() if d.name == name), None)
        if deployment is None or not isinstance(values, dict) or set(values) - {"tpm", "rpm"}:
            raise ConfigFileError(f"controls: limits for {name!r} need a known deployment and tpm/rpm keys.")
        for key in ("tpm", "rpm"):
            value = values.get(key, getattr(deployment, key))
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ConfigFileError(f"controls: {name}.{key} must be a positive integer or null.")
        updated.append(dataclasses.replace(deployment, **values))
    rates = parse_fault_rates(body["fault_rates"], "controls") if "fault_rates" in body else None
    seed = body.get("fault_seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ConfigFileError("controls: 'fault_seed' must be an integer.")
    numbers = {key: control_value(key, body[key], "controls") for key in CONTROL_RANGES if key in body}
    for key in ("filter_heuristic", "reset_rate_limits"):
        if key in body and not isinstance(body[key], bool):
            raise ConfigFileError(f"controls: '{key}' must be true or false, not {body[key]!r}.")
    # everything is valid: apply
    for deployment in updated:
        rt.registry.replace(deployment)
    if rates is not None or "fault_seed" in body:
        config.fault_rates = rates if rates is not None else config.fault_rates
        config.fault_seed = seed if "fault_seed" in body else config.fault_seed
        rt.faults = FaultInjector(config.fault_rates, config.fault_seed)
    for key, value in numbers.items():
        setattr(config, key, int(value) if key == "fault_retry_after_ms" else value)
    if "filter_heuristic" in body:
        config.filter_heuristic = rt.filter.heuristic = body["filter_heuristic"]
    if body.get("reset_rate_limits"):
        rt.limiter.reset()
