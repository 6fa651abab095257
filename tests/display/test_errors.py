"""explain(exc) turns every SDK failure into status, class, meaning, the fix, retries and ids."""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.config import ConfigError
from aoai_nb.display._errors import ErrorReport, explain

from .fakes import (
    CANARY,
    REQUEST_ID,
    SPEC_FILTER_ERROR,
    WIRE_FILTER_ERROR,
    always,
    fake_client,
    raise_for,
    reply,
)

FAST_RETRY = {"retry-after-ms": "1"}  # the SDK honours it, so retried cases take milliseconds

NOT_FOUND = {
    "error": {
        "code": "DeploymentNotFound",
        "message": "The API deployment for this resource does not exist. If you created the deployment within the "
        "last 5 minutes, please wait a moment and try again.",
    }
}
RESOURCE_NOT_FOUND = {"error": {"code": "404", "message": "Resource not found"}}
UNAUTHORIZED = {
    "error": {
        "code": "401",
        "message": "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
        "valid key for an active subscription and use a correct regional API endpoint for your resource.",
    }
}


def explain_status(status: int, body: Any, **headers: str) -> ErrorReport:
    report = explain(raise_for(fake_client(always(status, body, **headers))))
    for text in (report.to_text(), report.to_html(), repr(report)):
        assert CANARY not in text
    return report


@pytest.mark.parametrize(
    ("status", "body", "error_class", "meaning", "fix", "retried"),
    [
        (400, {"error": {"code": "BadRequest", "message": "bad temperature", "param": "temperature"}},
         "BadRequestError", "Bad request", "names the parameter", 0),
        (401, UNAUTHORIZED, "AuthenticationError", "Authentication failed", "Cognitive Services OpenAI User", 0),
        (403, {"error": {"code": "PermissionDenied", "message": "no"}}, "PermissionDeniedError",
         "Permission denied", "Cognitive Services OpenAI User", 0),
        (404, NOT_FOUND, "NotFoundError", "Not found", "Check the deployment name", 0),
        (404, RESOURCE_NOT_FOUND, "NotFoundError", "Not found", "api-version", 0),
        (409, {"error": {"code": "Conflict", "message": "busy"}}, "ConflictError", "Conflict", "", 2),
        (422, {"error": {"code": "Unprocessable", "message": "no"}}, "UnprocessableEntityError",
         "Unprocessable entity", "API reference", 0),
        (429, {"error": {"code": "429", "message": "Please retry after 1 second."}}, "RateLimitError",
         "Rate limit", "quota", 2),
        (500, {"error": {"code": "InternalServerError", "message": "oops"}}, "InternalServerError",
         "Internal server error", "Transient", 2),
        (503, {"error": {"code": "ServiceUnavailable", "message": "busy"}}, "InternalServerError",
         "Service unavailable", "Transient", 2),
        (504, {"error": {"code": "GatewayTimeout", "message": "slow"}}, "InternalServerError",
         "Gateway timeout", "Transient", 2),
    ],
)  # fmt: skip
def test_each_status(status: int, body: Any, error_class: str, meaning: str, fix: str, retried: int) -> None:
    report = explain_status(status, body, **FAST_RETRY)
    assert report.status == status and report.error_class == error_class
    assert report.meaning.startswith(meaning) and fix in report.fix
    assert report.retried == retried and report.retryable == (retried > 0)
    assert report.request_id == REQUEST_ID
    assert report.code == body["error"]["code"] and report.message == body["error"]["message"]


def test_api_version_on_v1_route() -> None:
    report = explain_status(400, {"error": {"code": "BadRequest", "message": "API version not supported"}})
    assert "drop the dated api-version" in report.fix


def test_model_newer_than_api_version() -> None:
    message = "Model gpt-4o is enabled only for api versions 2024-12-01-preview and later"
    assert (
        "newer api-version" in explain_status(400, {"error": {"code": "BadRequest", "message": message}}).fix
    )


@pytest.mark.parametrize("body", [WIRE_FILTER_ERROR, SPEC_FILTER_ERROR])
def test_content_filter_error_embeds_its_filter_report(body: Any) -> None:
    report = explain_status(400, body)
    assert report.filter_report is not None and report.filter_report.prompt_blocked
    assert report.code == "content_filter" and report.meaning.startswith("Content filter")
    assert "content filter" in report.fix and not report.retryable
    assert "FilterReport: prompt blocked" in report.to_text()
    assert "content filter: prompt blocked" in report.to_html()


def test_retry_after_beyond_120_s_is_not_retried() -> None:
    report = explain_status(429, {"error": {"code": "429", "message": "later"}}, **{"retry-after": "300"})
    assert report.retried == 0 and not report.retryable and report.retry_after_s == 300
    assert "wait 300 s" in report.fix and "does not retry" in report.to_text()


def test_x_should_retry_false_wins() -> None:
    report = explain_status(503, {"error": {"code": "x", "message": "y"}}, **{"x-should-retry": "false"})
    assert report.retried == 0 and not report.retryable


def test_connection_error_names_the_cause_and_the_retries() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        # a cause that leaks the key
        raise httpx2.ConnectError(f"refused (sent {request.headers['api-key']})")

    report = explain(raise_for(fake_client(refuse, max_retries=0)))
    assert report.error_class == "APIConnectionError" and report.status is None
    assert report.retryable and report.retried == 0 and "endpoint" in report.fix
    assert "ConnectError: refused (sent [redacted])" == report.message
    assert CANARY not in report.to_text() + report.to_html()


def test_timeout_retried_once() -> None:
    calls = []

    def slow(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.headers["x-stainless-retry-count"])
        raise httpx2.ReadTimeout("timed out", request=request)

    report = explain(raise_for(fake_client(slow, max_retries=1)))
    assert calls == ["0", "1"]
    assert report.error_class == "APITimeoutError" and report.retried == 1 and "timeout=" in report.fix


def test_content_filter_finish_reason_error() -> None:
    report = explain(openai.ContentFilterFinishReasonError())
    assert report.filter_report is not None and report.filter_report.status == "output cut"


def test_config_error_passes_its_fix_through() -> None:
    report = explain(ConfigError(["No credentials found: set AZURE_OPENAI_API_KEY."]))
    assert report.error_class == "ConfigError" and "AZURE_OPENAI_API_KEY" in report.fix


def test_any_other_exception() -> None:
    report = explain(ValueError("boom"))
    assert (
        report.status is None
        and report.message == "boom"
        and report.meaning == "Not an Azure OpenAI API error."
    )


def test_request_line_keeps_only_api_version() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return reply(404, NOT_FOUND)

    client = fake_client(handler)
    exc = raise_for(client, extra_query={"sig": "secret-signature"})
    report = explain(exc)
    assert report.request is not None and "secret-signature" not in report.request
    assert report.request.endswith("/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21")


def test_golden_text_and_html_not_found() -> None:
    report = explain_status(404, NOT_FOUND)
    assert repr(report) == "<ErrorReport 404 NotFoundError DeploymentNotFound>"
    assert report.to_text() == (
        "ErrorReport: 404 NotFoundError\n"
        "code: DeploymentNotFound\n"
        "message: The API deployment for this resource does not exist. If you created the deployment within the "
        "last 5 minutes, please wait a moment and try again.\n"
        "meaning: Not found: no deployment or route exists at this URL.\n"
        "fix: Check the deployment name: model= must be the name you gave the deployment (not the model's "
        "name). A deployment created in the last 5 minutes may not be visible yet.\n"
        "retries: the SDK does not retry this; retried 0 times\n"
        f"request id: {REQUEST_ID}\n"
        "request: POST https://example-resource.openai.azure.com/openai/deployments/gpt-4o-mini/chat/completions"
        "?api-version=2024-10-21"
    )
