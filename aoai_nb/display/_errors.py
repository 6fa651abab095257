"""What went wrong, what it means and the fix: ``explain(exc) -> ErrorReport``.

The exceptions a notebook meets, and how ``explain`` reads them::

    Exception
    ├── aoai_nb.config.ConfigError ............ toolkit: settings missing or inconsistent (message names the fix)
    └── openai.OpenAIError
        ├── openai.APIError
        │   ├── openai.APIStatusError ......... the service answered 4xx/5xx (.status_code, .request_id, .body)
        │   │   ├── BadRequestError (400) ..... includes the content-filter block (code "content_filter")
        │   │   ├── AuthenticationError (401)
        │   │   ├── PermissionDeniedError (403)
        │   │   ├── NotFoundError (404) ....... DeploymentNotFound, or "Resource not found" (endpoint/api-version)
        │   │   ├── ConflictError (409)
        │   │   ├── UnprocessableEntityError (422)
        │   │   ├── RateLimitError (429) ...... retried by the SDK, honouring retry-after(-ms) up to 120 s
        │   │   └── InternalServerError (>=500) retried by the SDK
        │   ├── openai.APIConnectionError ..... no answer: DNS, refused, TLS, proxy (retried)
        │   │   └── openai.APITimeoutError .... no answer in time (retried)
        │   └── openai.APIResponseValidationError
        └── openai.ContentFilterFinishReasonError  raised by .parse()/stream helpers when the output was cut

``ErrorReport`` never shows a key or token: it reads no auth header except to scrub its value from every string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aoai_nb._headers import retry_after_seconds
from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import FilterReport

MEANINGS: dict[int, str] = {
    400: "Bad request: the service refused the request's content or parameters.",
    401: "Authentication failed: the key or token is missing, wrong, or for another resource.",
    403: "Permission denied: the caller is known but not allowed to use this resource.",
    404: "Not found: no deployment or route exists at this URL.",
    408: "Request timeout: the service gave up waiting for the request.",
    409: "Conflict: the resource is busy or in another state.",
    422: "Unprocessable entity: the request is well formed but cannot be processed.",
    429: "Rate limit: the deployment's requests- or tokens-per-minute quota is used up.",
    500: "Internal server error: the service failed while handling the request.",
    502: "Bad gateway: a proxy in front of the model got no valid answer.",
    503: "Service unavailable: the service is overloaded or down for a moment.",
    504: "Gateway timeout: the model did not answer the gateway in time.",
}
RETRIED_STATUSES = frozenset({408, 409, 429})
MAX_RETRY_AFTER_S = 120.0  # the SDK does not retry when retry-after exceeds this
SECRET_HEADERS = ("api-key", "authorization", "ocp-apim-subscription-key")


@dataclass(frozen=True, repr=False)
class ErrorReport(View):
    """One exception, explained: status, class, meaning, the fix, retries and the ids support will ask for."""

    status: int | None
    error_class: str
    meaning: str
    fix: str
    retried: int | None = None  # retries the SDK took before raising (x-stainless-retry-count), if known
    request_id: str | None = None
    code: str | None = None  # Azure's error code (DeploymentNotFound, content_filter, 429, ...)
    message: str = ""
    filter_report: FilterReport | None = None
    retryable: bool = False  # whether the SDK retries this kind of failure
    retry_after_s: float | None = None
    param: str | None = None
    request: str | None = None  # "POST <url>" with every query parameter but api-version removed

    def __repr__(self) -> str:
        status = f"{self.status} " if self.status is not None else ""
        code = f" {self.code}" if self.code and self.code != str(self.status) else ""
        return f"<ErrorReport {status}{self.error_class}{code}>"

    def _retry_text(self) -> str:
        taken = "" if self.retried is None else f"; retried {self.retried} time{'s' * (self.retried != 1)}"
        after = f"; retry-after {self.retry_after_s:g} s" if self.retry_after_s is not None else ""
        return ("the SDK retries this" if self.retryable else "the SDK does not retry this") + taken + after

    def _fields(self) -> list[tuple[str, str]]:
        pairs = [
            ("code", self.code or ""),
            ("message", self.message),
            ("param", self.param or ""),
            ("meaning", self.meaning),
            ("fix", self.fix),
            ("retries", self._retry_text()),
            ("request id", self.request_id or ""),
            ("request", self.request or ""),
        ]
        return [(k, v) for k, v in pairs if v]

    def to_text(self) -> str:
        head = f"{self.status} " if self.status is not None else ""
        lines = [f"ErrorReport: {head}{self.error_class}"]
        lines += [f"{k}: {v}" for k, v in self._fields()]
        if self.filter_report is not None:
            lines += ["", self.filter_report.to_text(with_message=False)]
        return "\n".join(lines)

    def to_html(self) -> str:
        head = f"{self.status} {self.error_class}" if self.status is not None else self.error_class
        kind = "warn" if self.retryable else "bad"
        parts: list[str] = [h.line(h.badge(head, kind), h.esc(self.meaning))]
        rows = [
            (k, h.Raw(f"<b>{h.esc(v)}</b>") if k == "fix" else v) for k, v in self._fields() if k != "meaning"
        ]
        parts.append(h.kv_table(rows))
        if self.filter_report is not None:
            parts.append(self.filter_report.to_html(with_message=False, boxed=False))
        return h.box(*parts, border="#cf222e")


def explain(exc: BaseException) -> ErrorReport:
    """Read any exception from the ``openai`` SDK (or this toolkit) into an :class:`ErrorReport`."""
    import openai

    secrets = _secrets(exc)
    error_class = type(exc).__name__
    if isinstance(exc, openai.APIStatusError):
        return _from_status(exc, secrets)
    if isinstance(exc, openai.APIConnectionError):
        timeout = isinstance(exc, openai.APITimeoutError)
        cause = _scrub(f"{type(exc.__cause__).__name__}: {exc.__cause__}" if exc.__cause__ else "", secrets)
        meaning = (
            "Timeout: no answer arrived within the client's timeout."
            if timeout
            else "Connection error: no HTTP answer at all (DNS, refused connection, TLS, proxy)."
        )
        fix = (
            "Raise timeout= on the client or the call, lower max_tokens, or stream the reply."
            if timeout
            else "Check the endpoint URL (https://<resource>.openai.azure.com, or the emulator's URL and that it "
            "is running) and the network path (proxy, VPN, firewall)."
        )
        return ErrorReport(
            None,
            error_class,
            meaning,
            fix,
            retried=_retry_count(exc.request),
            message=cause or exc.message,
            retryable=True,
            request=_describe_request(exc.request),
        )
    if isinstance(exc, openai.ContentFilterFinishReasonError):
        report = FilterReport.from_error(exc)
        return ErrorReport(
            None,
            error_class,
            "The output was cut by the content filter (finish_reason=content_filter).",
            "Rephrase the request, or review the deployment's content-filter configuration; the results follow.",
            message=_scrub(str(exc), secrets),
            code="content_filter",
            filter_report=report,
        )
    if error_class == "ConfigError":
        return ErrorReport(None, error_class, "Configuration problem found before any request.", str(exc))
    return ErrorReport(
        None, error_class, "Not an Azure OpenAI API error.", "", message=_scrub(str(exc), secrets)
    )


def _from_status(exc: Any, secrets: list[str]) -> ErrorReport:
    status = int(exc.status_code)
    body = exc.body if isinstance(exc.body, Mapping) else {}
    if isinstance(body.get("error"), Mapping):
        body = body["error"]
    code = str(body["code"]) if body.get("code") is not None else None
    message = _scrub(str(body.get("message") or _strip_prefix(str(exc))), secrets)
    headers = exc.response.headers
    retry_after = retry_after_seconds(headers)
    report = FilterReport.from_error(exc)
    filter_report = report if report.prompt_blocked else None
    should = headers.get("x-should-retry")
    retryable = (status in RETRIED_STATUSES or status >= 500) if should is None else should == "true"
    if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
        retryable = False
    meaning = MEANINGS.get(status, "Server error." if status >= 500 else f"HTTP {status}.")
    if filter_report is not None:
        meaning = (
            f"Content filter: the prompt was blocked before the model answered (HTTP {status}, no retry)."
        )
    return ErrorReport(
        status,
        type(exc).__name__,
        meaning,
        _fix(status, code, message, filter_report, retry_after),
        retried=_retry_count(exc.response.request),
        request_id=exc.request_id or headers.get("apim-request-id"),
        code=code,
        message=message,
        filter_report=filter_report,
        retryable=retryable,
        retry_after_s=retry_after,
        param=str(body["param"]) if body.get("param") else None,
        request=_describe_request(exc.response.request),
    )


def _fix(
    status: int, code: str | None, message: str, report: FilterReport | None, after: float | None
) -> str:
    low = message.lower()
    if report is not None:
        what = report.summary() or "a category"
        return (
            f"The prompt tripped the content filter ({what}): rephrase it, or review the deployment's "
            "content-filter configuration. The filter results are below."
        )
    if status == 404 and code == "DeploymentNotFound":
        return (
            "Check the deployment name: model= must be the name you gave the deployment (not the model's "
            "name). A deployment created in the last 5 minutes may not be visible yet."
        )
    if status == 404:
        return (
            "Check the endpoint (https://<resource>.openai.azure.com, nothing after it) and the api-version "
            "(e.g. 2024-10-21): deployment routes answer 'Resource not found' when api-version is missing or unknown."
        )
    if status == 400 and "api version not supported" in low:
        return "On the /openai/v1 endpoint drop the dated api-version (omit it, or use 'v1' / 'preview')."
    if status == 400 and "api versions" in low and "enabled only" in low:
        return "This model needs a newer api-version: use the one the message names, or later."
    if status == 400:
        return "Read the message: it names the parameter at fault; fix that argument and resend."
    if status == 401:
        return (
            "Check the key (AZURE_OPENAI_API_KEY) belongs to this resource's endpoint. With Microsoft Entra ID, "
            "give your identity the role 'Cognitive Services OpenAI User' on the resource and request the scope "
            "https://cognitiveservices.azure.com/.default."
        )
    if status == 403:
        return (
            "Assign the role 'Cognitive Services OpenAI User' to your identity on the resource (it can take a "
            "few minutes to apply), and check the resource's network rules (firewall, private endpoint)."
        )
    if status == 422:
        return "Check the request's values against the API reference for this api-version."
    if status == 429:
        wait = f"wait {after:g} s (retry-after), " if after is not None else "wait and retry, "
        return (
            f"Quota used up: {wait}raise max_retries, send fewer or smaller requests (max_tokens), "
            "or raise the deployment's tokens-per-minute quota."
        )
    if status >= 500 or status == 408:
        return "Transient: the SDK already retried. Retry later; if it persists, quote the request id to support."
    return "Read the message and the API reference for this status."


def _retry_count(request: Any) -> int | None:
    value = getattr(request, "headers", {}).get("x-stainless-retry-count")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _describe_request(request: Any) -> str | None:
    url = getattr(request, "url", None)
    if url is None:
        return None
    parts = urlsplit(str(url))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k == "api-version"])
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{request.method} {urlunsplit((parts.scheme, netloc, parts.path, query, ''))}"


def _secrets(exc: BaseException) -> list[str]:
    """Values of auth headers on the failed request: scrubbed from any text shown."""
    request = getattr(exc, "request", None)
    response = getattr(exc, "response", None)
    headers = getattr(request or getattr(response, "request", None), "headers", None)
    found: list[str] = []
    for name in SECRET_HEADERS:
        value = headers.get(name) if headers is not None else None
        if value:
            found.append(str(value))
            if str(value).lower().startswith("bearer "):
                found.append(str(value)[7:])
    return [s for s in found if len(s) >= 4]


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def _strip_prefix(message: str) -> str:
    """The SDK's ``"Error code: 404 - {...}"`` -> the part after the dash."""
    return message.split(" - ", 1)[1] if message.startswith("Error code:") and " - " in message else message
