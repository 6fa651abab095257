"""Teaching controls that make the emulator misbehave on purpose: injected errors, rate limits, latency."""

from __future__ import annotations

import math
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from aoai_nb.emulator.config import FAULT_STATUSES, Deployment
from aoai_nb.emulator.wire import AzureError, echo, invalid_request, simple_error

FAULT_HEADER = "x-aoai-nb-fault"
LATENCY_HEADER = "x-aoai-nb-latency-ms"
RETRY_AFTER_HEADER = "x-aoai-nb-retry-after-ms"
FAULT_KINDS = tuple(str(s) for s in FAULT_STATUSES) + ("timeout", "disconnect")
WINDOW_SECONDS = 60.0
MAX_HEADER_LATENCY_MS = 120_000
MAX_RETRY_AFTER_MS = 120_000

_FAULT_BODIES: dict[int, tuple[str, str]] = {
    408: ("Timeout", "The operation was timeout."),
    500: (
        "InternalServerError",
        "The server had an error processing your request. Sorry about that! You can retry "
        "your request, or contact us through an Azure support request at: "
        "https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error.",
    ),
    502: ("BadGateway", "Bad gateway."),
    503: (
        "ServiceUnavailable",
        "The service is temporarily unable to process your request. Please try again later.",
    ),
    504: ("GatewayTimeout", "The operation was timeout."),
}


def _int_header(headers: Mapping[str, str], name: str, maximum: int, minimum: int = 0) -> int | None:
    raw = headers.get(name)
    if raw is None:
        return None
    text = raw.strip()
    value = int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else -1
    if not minimum <= value <= maximum:
        raise invalid_request(
            f"Header {name} must be a whole number of milliseconds between {minimum} and {maximum}, "
            f"not {echo(raw, 40)}.",
            param=name,
        )
    return value


def header_latency_ms(headers: Mapping[str, str]) -> int:
    return _int_header(headers, LATENCY_HEADER, MAX_HEADER_LATENCY_MS) or 0


def header_retry_after_ms(headers: Mapping[str, str]) -> int | None:
    """The 429 wait asked for by ``x-aoai-nb-retry-after-ms`` (1 to 120000), or None."""
    return _int_header(headers, RETRY_AFTER_HEADER, MAX_RETRY_AFTER_MS, minimum=1)


def parse_fault(headers: Mapping[str, str]) -> str | None:
    raw = headers.get(FAULT_HEADER)
    if raw is None:
        return None
    value = raw.strip().lower()
    if value not in FAULT_KINDS:
        raise invalid_request(
            f"Header {FAULT_HEADER} must be one of {', '.join(FAULT_KINDS)}, not {echo(raw)}.",
            param=FAULT_HEADER,
        )
    return value


def retry_headers(retry_after_ms: int) -> dict[str, str]:
    return {
        "retry-after": str(max(1, math.ceil(retry_after_ms / 1000))),
        "retry-after-ms": str(retry_after_ms),
    }


def quota_error(operation: str, api_version: str, retry_after_ms: int, kind: str = "token") -> AzureError:
    seconds = max(1, math.ceil(retry_after_ms / 1000))
    message = (
        f"Requests to the {operation} Operation under Azure OpenAI API version {api_version} have exceeded "
        f"{kind} rate limit of your current OpenAI S0 pricing tier. Please retry after {seconds} second"
        f"{'s' if seconds != 1 else ''}. Please go here: https://aka.ms/oai/quotaincrease if you would like "
        "to further increase the default rate limit."
    )
    return simple_error(429, "429", message, retry_headers(retry_after_ms))


def injected_error(status: int, operation: str, api_version: str, retry_after_ms: int) -> AzureError:
    if status == 429:
        error = quota_error(operation, api_version, retry_after_ms)
    else:
        code, message = _FAULT_BODIES[status]
        error = simple_error(status, code, message)
    error.headers["x-aoai-nb-fault"] = f"injected {status}"
    return error


class FaultInjector:
    """Per-request header first, then the configured rates rolled on seeded dice."""

    def __init__(self, rates: Mapping[int, float], seed: int | None = None) -> None:
        self.rates = dict(rates)
        self._rng = random.Random(seed)

    def pick(self, headers: Mapping[str, str]) -> str | None:
        explicit = parse_fault(headers)
        if explicit is not None or not self.rates:
            return explicit
        roll = self._rng.random()
        for status, rate in sorted(self.rates.items()):
            if roll < rate:
                return str(status)
            roll -= rate
        return None


@dataclass
class Quota:
    """What is left in the window; None for a dimension without a limit (its header is not sent)."""

    remaining_requests: int | None
    remaining_tokens: int | None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.remaining_requests is not None:
            headers["x-ratelimit-remaining-requests"] = str(self.remaining_requests)
        if self.remaining_tokens is not None:
            headers["x-ratelimit-remaining-tokens"] = str(self.remaining_tokens)
        return headers


class RateLimiter:
    """Sliding 60-second windows of requests and estimated tokens, per deployment (Azure charges the estimate
    of a request - prompt plus requested max tokens - when it arrives)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, deque[tuple[float, int]]] = {}
        self._clock = clock

    def _window(self, name: str, now: float) -> deque[tuple[float, int]]:
        window = self._windows.setdefault(name, deque())
        while window and window[0][0] <= now - WINDOW_SECONDS:
            window.popleft()
        return window

    def usage(self, name: str) -> tuple[int, int]:
        window = self._window(name, self._clock())
        return len(window), sum(tokens for _, tokens in window)

    def acquire(self, deployment: Deployment, tokens: int, operation: str, api_version: str) -> Quota | None:
        """Record the request, or raise the 429 Azure sends; None when the deployment is unlimited."""
        if deployment.tpm is None and deployment.rpm is None:
            return None
        now = self._clock()
        window = self._window(deployment.name, now)
        used_tokens = sum(t for _, t in window)
        if deployment.rpm is not None and len(window) >= deployment.rpm:
            wait = window[0][0] + WINDOW_SECONDS - now
            raise quota_error(operation, api_version, max(1, math.ceil(wait * 1000)), kind="call")
        if deployment.tpm is not None and used_tokens + tokens > deployment.tpm:
            if tokens > deployment.tpm:
                raise invalid_request(
                    f"This request is estimated at {tokens} tokens, more than the deployment's "
                    f"limit of {deployment.tpm} tokens per minute: send a shorter prompt or a "
                    "smaller max_tokens.",
                    param="max_tokens",
                    code="tokens_exceed_limit",
                )
            wait, freed = WINDOW_SECONDS, 0
            for stamp, spent in window:  # the oldest entries leave the window first
                freed += spent
                if used_tokens - freed + tokens <= deployment.tpm:
                    wait = stamp + WINDOW_SECONDS - now
                    break
            raise quota_error(operation, api_version, max(1, math.ceil(wait * 1000)))
        window.append((now, tokens))
        rpm_left = deployment.rpm - len(window) if deployment.rpm is not None else None
        tpm_left = deployment.tpm - used_tokens - tokens if deployment.tpm is not None else None
        return Quota(rpm_left, tpm_left)

    def reset(self) -> None:
        self._windows.clear()


def estimate_tokens(texts: list[str], max_tokens: int | None = None, n: int = 1) -> int:
    """Azure's pre-call estimate: about 4 characters per prompt token, plus the requested maximum output."""
    prompt = sum(math.ceil(len(t) / 4) + 4 for t in texts) if texts else 1
    return prompt + (max_tokens or 0) * max(1, n)


BUSY_MESSAGE = (
    "The system is currently experiencing high demand and cannot process your request. Your request exceeds "
    "the maximum usage size allowed during peak load. Please retry after {seconds} second{s}. For improved "
    "latency reliability, consider switching to Provisioned Throughput."
)


def busy_error(retry_after_ms: int) -> AzureError:
    """Azure's 429 when the service is saturated (not a quota): its message, with retry-after(-ms)."""
    seconds = max(1, math.ceil(retry_after_ms / 1000))
    message = BUSY_MESSAGE.format(seconds=seconds, s="s" if seconds != 1 else "")
    return simple_error(429, "429", message, retry_headers(retry_after_ms))
