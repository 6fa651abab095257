"""The api-versions Azure publishes are accepted (others are a 400), and the retired Assistants API answers a
410 that names the Responses API instead of a bare 404."""

from __future__ import annotations

from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator.policy import GA_API_VERSIONS, KNOWN_API_VERSIONS, PREVIEW_API_VERSIONS, V1_API_VERSIONS

CHAT_BODY = {"messages": [{"role": "user", "content": "hi"}]}


def test_the_published_lists() -> None:
    assert {"2024-10-21", "2024-06-01", "2024-02-01", "2023-05-15", "2022-12-01"} == GA_API_VERSIONS
    assert all(v.endswith("-preview") for v in PREVIEW_API_VERSIONS)
    assert "2025-04-01-preview" in PREVIEW_API_VERSIONS and max(PREVIEW_API_VERSIONS) == "2025-04-01-preview"
    assert {"2024-12-01-preview", "2025-01-01-preview", "2025-02-01-preview", "2025-03-01-preview"} <= (
        PREVIEW_API_VERSIONS
    )
    assert V1_API_VERSIONS == {"v1", "preview"}


def test_every_published_version_is_accepted(raw: Any) -> None:
    path = "/openai/deployments/gpt-4o-mini/chat/completions"
    statuses = {
        v: raw.post(path, params={"api-version": v}, json=CHAT_BODY).status_code for v in KNOWN_API_VERSIONS
    }
    assert set(statuses.values()) == {200}, statuses


@pytest.mark.parametrize(
    "version", ["2023-11-01-preview", "2024-11-01-preview", "2025-05-01-preview", "2024-10-22"]
)
def test_unpublished_versions_are_a_400(raw: Any, version: str) -> None:
    reply = raw.post(
        "/openai/deployments/gpt-4o-mini/chat/completions", params={"api-version": version}, json=CHAT_BODY
    )
    assert reply.status_code == 400
    assert reply.json() == {"error": {"code": "BadRequest", "message": "API version not supported"}}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/openai/assistants"),
        ("GET", "/openai/assistants/asst_123"),
        ("POST", "/openai/threads"),
        ("POST", "/openai/threads/thread_1/runs"),
        ("GET", "/openai/threads/thread_1/messages"),
        ("DELETE", "/openai/v1/assistants/asst_123"),
        ("POST", "/openai/v1/threads/runs"),
    ],
)
def test_assistants_api_names_its_replacement(raw: Any, method: str, path: str) -> None:
    reply = raw.request(method, path, params={"api-version": "2024-05-01-preview"}, json={})
    assert reply.status_code == 410 and reply.headers["x-request-id"]
    error = reply.json()["error"]
    assert error["code"] == "Gone" and "Responses API" in error["message"]
    assert "/openai/v1/responses" in error["message"]


def test_assistants_api_checks_the_key_first(emulator: Any) -> None:
    reply = httpx2.post(f"{emulator.url}/openai/assistants?api-version=2024-05-01-preview", json={})
    assert reply.status_code == 401


def test_sdk_assistants_call_raises_with_the_message(emulator: Any) -> None:
    with openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version="2024-05-01-preview", max_retries=0
    ) as client:
        with pytest.raises(openai.APIStatusError) as info, pytest.warns(DeprecationWarning):
            client.beta.assistants.create(model="gpt-4o-mini", instructions="help")  # the SDK warns too
    assert info.value.status_code == 410 and "Responses API" in info.value.message
