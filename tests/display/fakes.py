"""Wire-exact Azure bodies (azure-openai-wire.md §5-7) served to the real ``openai`` SDK through
``httpx2.MockTransport``, so the views see the SDK's own objects and exceptions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import openai

CANARY = "canary-key-0d9f3b7c"  # sent as the api-key on every fake request; must never be shown
REQUEST_ID = "11111111-2222-3333-4444-555555555555"
ENDPOINT = "https://example-resource.openai.azure.com"

SAFE = {"filtered": False, "severity": "safe"}
PROMPT_FILTERS = {
    "hate": SAFE,
    "jailbreak": {"filtered": False, "detected": False},
    "self_harm": SAFE,
    "sexual": SAFE,
    "violence": SAFE,
}
OUTPUT_FILTERS = {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}

WIRE_FILTER_ERROR = {  # the 400 Azure actually sends (wire form: innererror / content_filter_result)
    "error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management "
        "policy. Please modify your prompt and retry. To learn more about our content filtering policies please "
        "read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {
                "hate": SAFE,
                "jailbreak": {"filtered": False, "detected": False},
                "self_harm": SAFE,
                "sexual": {"filtered": True, "severity": "high"},
                "violence": SAFE,
            },
        },
    }
}
SPEC_FILTER_ERROR = {  # the documented form (spec errorResponse: inner_error / content_filter_results)
    "error": {
        "code": "content_filter",
        "message": "The prompt was filtered.",
        "param": "prompt",
        "type": None,
        "inner_error": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_results": {
                "hate": SAFE,
                "jailbreak": {"filtered": True, "detected": True},
                "self_harm": SAFE,
                "sexual": SAFE,
                "violence": {"filtered": True, "severity": "medium"},
            },
        },
    }
}
IMAGES_POLICY_ERROR = {
    "error": {
        "code": "content_policy_violation",
        "message": "Your request was rejected as a result of our safety system.",
        "inner_error": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_results": {
                "hate": SAFE,
                "self_harm": SAFE,
                "sexual": SAFE,
                "violence": {"filtered": True, "severity": "high"},
            },
            "revised_prompt": "A rabbit eating pancakes in a violent scene",
        },
    }
}

CHAT_COMPLETION = {
    "id": "chatcmpl-AbC123",
    "object": "chat.completion",
    "created": 1732550400,
    "model": "gpt-4o-mini-2024-07-18",
    "system_fingerprint": "fp_04751d0b65",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "logprobs": None,
            "message": {
                "role": "assistant",
                "content": "Ahoy! Teach it **one word** a day.",
                "refusal": None,
            },
            "content_filter_results": OUTPUT_FILTERS,
        }
    ],
    "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": PROMPT_FILTERS}],
    "usage": {"prompt_tokens": 25, "completion_tokens": 9, "total_tokens": 34},
}


def sse(*events: dict[str, Any]) -> bytes:
    return b"".join(f"data: {json.dumps(e)}\n\n".encode() for e in events) + b"data: [DONE]\n\n"


def chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    base = {"id": "chatcmpl-Str3am", "object": "chat.completion.chunk", "created": 1732550400,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_04751d0b65", "choices": choices}  # fmt: skip
    return base | extra


def content(text: str, *, role: bool = False) -> dict[str, Any]:
    delta: dict[str, Any] = {"content": text}
    if role:
        delta["role"] = "assistant"
    return chunk([{"index": 0, "delta": delta, "finish_reason": None, "logprobs": None,
                   "content_filter_results": OUTPUT_FILTERS}])  # fmt: skip


# Azure's stream, exactly: annotation-only first chunk (empty id/model/object), per-choice annotations, an
# asynchronous-filter annotation chunk, a content_filter stop, then the usage chunk.
AZURE_CUT_STREAM = [
    {"choices": [], "created": 0, "id": "", "model": "", "object": "",
     "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": PROMPT_FILTERS}]},
    chunk([{"index": 0, "delta": {"content": "", "role": "assistant"}, "finish_reason": None, "logprobs": None,
            "content_filter_results": {}}]),
    content("Here is "),
    content("a <b>story</b>"),
    chunk([{"index": 0, "delta": {}, "finish_reason": None,
            "content_filter_offsets": {"check_offset": 0, "start_offset": 0, "end_offset": 22},
            "content_filter_results": OUTPUT_FILTERS | {"violence": {"filtered": True, "severity": "medium"}}}]),
    chunk([{"index": 0, "delta": {}, "finish_reason": "content_filter", "logprobs": None,
            "content_filter_results": OUTPUT_FILTERS | {"violence": {"filtered": True, "severity": "medium"}}}]),
    chunk([], usage={"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}),
]  # fmt: skip


Handler = Callable[[httpx2.Request], httpx2.Response]


def reply(status: int, body: Any, **headers: str) -> httpx2.Response:
    base = {"x-request-id": REQUEST_ID, "apim-request-id": REQUEST_ID}
    if isinstance(body, bytes):
        return httpx2.Response(
            status, content=body, headers=base | {"content-type": "text/event-stream"} | headers
        )
    return httpx2.Response(status, json=body, headers=base | headers)


def fake_client(handler: Handler, *, max_retries: int = 2) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(
        azure_endpoint=ENDPOINT,
        api_key=CANARY,
        api_version="2024-10-21",
        max_retries=max_retries,
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def fake_async_client(handler: Handler) -> openai.AsyncAzureOpenAI:
    return openai.AsyncAzureOpenAI(
        azure_endpoint=ENDPOINT,
        api_key=CANARY,
        api_version="2024-10-21",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
    )


def always(status: int, body: Any, **headers: str) -> Handler:
    return lambda request: reply(status, body, **headers)


def raise_for(client: openai.AzureOpenAI, **kwargs: Any) -> openai.APIError:
    """Make one chat call that must fail and return the SDK's exception."""
    try:
        client.chat.completions.create(
            model=kwargs.pop("model", "gpt-4o-mini"), messages=[{"role": "user", "content": "hi"}], **kwargs
        )
    except openai.APIError as exc:
        return exc
    raise AssertionError("the call was expected to fail")
