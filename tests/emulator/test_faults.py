"""Teaching controls: injected faults, SDK retries against them, sliding-window limits, latency, controls."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import openai
import pytest

U: Any = [{"role": "user", "content": "hi"}]
CHAT = "/openai/deployments/gpt-4o-mini/chat/completions"
V = {"api-version": "2024-10-21"}


def _client(emu: Any, **kwargs: Any) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", **kwargs)


def test_sdk_retries_injected_429_and_honours_retry_after_ms(make_emulator: Any) -> None:
    emu = make_emulator()
    headers = {"x-aoai-nb-fault": "429", "x-aoai-nb-retry-after-ms": "150"}
    started = time.monotonic()
    with _client(emu, max_retries=2) as c, pytest.raises(openai.RateLimitError) as info:
        c.chat.completions.create(model="gpt-4o-mini", messages=U, extra_headers=headers)
    elapsed = time.monotonic() - started
    assert elapsed >= 2 * 0.150  # two waits of retry-after-ms (a lower bound, not a timing test)
    assert info.value.code == "429" and info.value.request_id
    assert info.value.response.headers["retry-after-ms"] == "150"
    assert info.value.response.headers["retry-after"] == "1"
    assert info.value.response.headers["x-aoai-nb-fault"] == "injected 429"
    requests = emu.status()["requests"]
    assert requests["by_route"] == {"chat/completions": 3}  # 1 attempt + 2 retries
    assert requests["by_status"] == {"429": 3}


def test_seeded_fault_rate_then_success(make_emulator: Any) -> None:
    from aoai_nb.emulator.config import EmulatorConfig

    config = EmulatorConfig.default().with_changes(
        fault_rates={429: 0.5}, fault_seed=3, fault_retry_after_ms=50
    )
    emu = make_emulator(config=config)
    with _client(emu, max_retries=5) as c:
        for _ in range(4):
            c.chat.completions.create(model="gpt-4o-mini", messages=U, max_tokens=2)
    by_status = emu.status()["requests"]["by_status"]
    assert by_status["200"] == 4
    assert by_status.get("429", 0) >= 1  # seed 3 rolls at least one 429 in these attempts
    assert emu.status()["requests"]["total"] == 4 + by_status.get("429", 0)


@pytest.mark.parametrize(
    ("status", "exc_type", "code"),
    [
        (408, openai.APIStatusError, "Timeout"),
        (500, openai.InternalServerError, "InternalServerError"),
        (502, openai.InternalServerError, "BadGateway"),
        (503, openai.InternalServerError, "ServiceUnavailable"),
        (504, openai.InternalServerError, "GatewayTimeout"),
    ],
)
def test_injected_status_maps_to_the_sdk_exception(
    client: openai.AzureOpenAI, status: int, exc_type: type[Exception], code: str
) -> None:
    with pytest.raises(exc_type) as info:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=U, extra_headers={"x-aoai-nb-fault": str(status)}
        )
    error: Any = info.value
    assert error.status_code == status and error.code == code and error.request_id
    assert set(error.body) == {"code", "message"}


def test_timeout_fault_trips_the_client_timeout(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.set_controls(fault_timeout_seconds=0.6)
    with _client(emu, max_retries=0, timeout=0.2) as c, pytest.raises(openai.APITimeoutError):
        c.chat.completions.create(
            model="gpt-4o-mini", messages=U, extra_headers={"x-aoai-nb-fault": "timeout"}
        )


def test_disconnect_fault_is_a_connection_error(client: openai.AzureOpenAI, emulator: Any) -> None:
    before = emulator.status()["requests"]["by_status"]
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=U, extra_headers={"x-aoai-nb-fault": "disconnect"}
        )
    after = emulator.status()["requests"]["by_status"]
    assert after.get("500", 0) == before.get("500", 0)  # nothing at all was answered


def test_requests_per_minute_limit(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.set_controls(limits={"gpt-4o-mini": {"rpm": 2}})
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}) as h:
        body = {"messages": U, "max_tokens": 2}
        first, second, third = (h.post(CHAT, params=V, json=body) for _ in range(3))
    assert first.headers["x-ratelimit-remaining-requests"] == "1"
    assert second.headers["x-ratelimit-remaining-requests"] == "0"
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "429"
    assert "call rate limit" in third.json()["error"]["message"]
    assert 0 < int(third.headers["retry-after-ms"]) <= 60_000
    # other deployments are not limited
    assert _window(emu, "gpt-4o-mini")["requests"] == 2


def test_tokens_per_minute_limit_uses_the_estimate(make_emulator: Any) -> None:
    emu = make_emulator()
    emu.set_controls(limits={"gpt-4o-mini": {"tpm": 100}})
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}) as h:
        ok = h.post(CHAT, params=V, json={"messages": U, "max_tokens": 60})
        limited = h.post(CHAT, params=V, json={"messages": U, "max_tokens": 60})
        too_big = h.post(CHAT, params=V, json={"messages": U, "max_tokens": 500})
    assert ok.status_code == 200 and int(ok.headers["x-ratelimit-remaining-tokens"]) < 40
    assert limited.status_code == 429 and "token rate limit" in limited.json()["error"]["message"]
    assert limited.headers["retry-after"]
    assert too_big.status_code == 400 and too_big.json()["error"]["code"] == "tokens_exceed_limit"
    emu.set_controls(reset_rate_limits=True)
    assert _window(emu, "gpt-4o-mini") == {"requests": 0, "tokens": 0}


def _window(emu: Any, name: str) -> dict[str, int]:
    (deployment,) = [d for d in emu.status()["deployments"] if d["name"] == name]
    return dict(deployment["window"])


def test_latency_controls_are_accepted_and_reported(make_emulator: Any) -> None:
    emu = make_emulator()
    assert emu.status()["latency"]["stream_flush_ms"] == 50  # the default write window
    status = emu.set_controls(first_token_ms=5, per_token_ms=1, stream_flush_ms=0)
    assert status["latency"]["first_token_ms"] == 5 and status["latency"]["per_token_ms"] == 1
    assert status["latency"]["stream_flush_ms"] == 0
    with _client(emu, max_retries=0) as c:
        reply = c.chat.completions.create(
            model="gpt-4o-mini", messages=U, max_tokens=3, extra_headers={"x-aoai-nb-latency-ms": "20"}
        )
        assert reply.choices[0].message.content
        stream = c.chat.completions.create(model="gpt-4o-mini", messages=U, max_tokens=3, stream=True)
        with stream:
            assert [chunk for chunk in stream]


def test_bad_controls_are_refused_and_change_nothing(make_emulator: Any) -> None:
    emu = make_emulator()
    for controls in (
        {"fault_rates": {"418": 0.5}},
        {"fault_rates": {"429": 2}},
        {"latency": 5},
        {"limits": {"nope": {"rpm": 1}}},
        {"limits": {"gpt-4o-mini": {"rpm": 0}}},
        {"first_token_ms": -1},
        {"fault_rates": {"429": 0.5}, "per_token_ms": "x"},
        {"fault_retry_after_ms": float("inf")},
        {"fault_retry_after_ms": 1e300},
        {"fault_retry_after_ms": 120_001},
        {"fault_timeout_seconds": float("nan")},
        {"fault_timeout_seconds": 601},
        {"first_token_ms": float("inf")},
        {"per_token_ms": 10_001},
        {"filter_heuristic": "no"},
        {"filter_heuristic": 0},
        {"reset_rate_limits": "yes"},
    ):
        with pytest.raises(ValueError, match="refused"):
            emu.set_controls(**controls)
    status = emu.status()
    assert status["faults"]["rates"] == {} and status["latency"]["per_token_ms"] == 0
    assert status["faults"]["retry_after_ms"] == 1000 and status["faults"]["timeout_seconds"] == 30
    assert status["latency"]["first_token_ms"] == 0 and emu._server.runtime.config.filter_heuristic is True


@pytest.mark.parametrize(
    "body",
    [
        b'{"fault_retry_after_ms": Infinity}',
        b'{"fault_timeout_seconds": NaN}',
        b'{"first_token_ms": -Infinity}',
        b'{"fault_seed": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"fault_rates": {"\\ud800": 0.5}}',
        b"[1, 2]",
    ],
    ids=["Infinity", "NaN", "-Infinity", "deep nesting", "lone surrogate", "not an object"],
)
def test_controls_refuse_non_json_numbers_and_odd_bodies(make_emulator: Any, body: bytes) -> None:
    emu = make_emulator()
    headers = {"api-key": emu.api_key, "content-type": "application/json"}
    response = httpx2.post(f"{emu.url}/aoai-nb/controls", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"]
    assert emu.status()["faults"]["retry_after_ms"] == 1000


def test_controls_body_has_the_api_size_cap(make_emulator: Any) -> None:
    from aoai_nb.emulator.config import EmulatorConfig

    emu = make_emulator(config=EmulatorConfig.default().with_changes(max_json_bytes=2048))
    body = b'{"fault_seed": 1, "pad": "' + b"x" * 4096 + b'"}'
    response = httpx2.post(f"{emu.url}/aoai-nb/controls", content=body, headers={"api-key": emu.api_key})
    assert response.status_code == 413 and response.json()["error"]["code"] == "RequestEntityTooLarge"


def test_controls_accept_the_range_ends(make_emulator: Any) -> None:
    emu = make_emulator()
    status = emu.set_controls(fault_retry_after_ms=120_000, fault_timeout_seconds=600, filter_heuristic=False)
    assert status["faults"]["retry_after_ms"] == 120_000 and status["faults"]["timeout_seconds"] == 600
    assert emu._server.runtime.config.filter_heuristic is False


def test_status_requires_the_key_and_reset_clears_counts(emulator: Any, make_emulator: Any) -> None:
    assert httpx2.get(f"{emulator.url}/aoai-nb/status").status_code == 401
    emu = make_emulator()
    with _client(emu, max_retries=0) as c:
        c.models.list()
        c.chat.completions.create(model="gpt-4o-mini", messages=U, max_tokens=2)
    assert emu.status()["requests"]["total"] == 1
    assert emu.reset_stats()["requests"] == {
        "total": 0,
        "by_route": {},
        "by_deployment": {},
        "by_status": {},
        "abandoned": 0,
        "in_flight": 0,
    }


def test_no_auth_accepts_any_key(make_emulator: Any) -> None:
    emu = make_emulator(auth=False)
    with openai.AzureOpenAI(azure_endpoint=emu.url, api_key="anything", api_version="2024-10-21") as c:
        assert c.chat.completions.create(model="gpt-4o-mini", messages=U, max_tokens=2).choices
    assert repr(emu).startswith("<Emulator http://127.0.0.1:") and emu.api_key not in repr(emu)
