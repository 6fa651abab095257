"""Chat completions through the real openai SDK over loopback: classic and v1, sync and async, streams."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import openai

from .helpers import chat_stream

USER = [{"role": "user", "content": "Say hello to the workshop"}]
SAFE_CHOICE = {"filtered": False, "severity": "safe"}


def test_classic_sync_chat_reply_has_azure_annotations(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=USER, max_tokens=12)
    choice = reply.choices[0]
    assert reply.object == "chat.completion"
    assert reply.id.startswith("chatcmpl-")
    assert reply.model == "gpt-4o-mini-2024-07-18"
    assert choice.message.role == "assistant" and choice.message.content
    assert choice.finish_reason in ("stop", "length")
    assert reply.usage is not None and reply.usage.completion_tokens <= 12
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    extra = reply.model_extra or {}
    prompt_results = extra["prompt_filter_results"][0]
    assert prompt_results["prompt_index"] == 0
    assert prompt_results["content_filter_results"]["violence"] == SAFE_CHOICE
    assert prompt_results["content_filter_results"]["jailbreak"] == {"filtered": False, "detected": False}
    choice_results = (choice.model_extra or {})["content_filter_results"]
    assert set(choice_results) >= {"hate", "sexual", "violence", "self_harm", "protected_material_text"}
    assert reply._request_id


async def test_classic_async_chat(aclient: openai.AsyncAzureOpenAI) -> None:
    reply = await aclient.chat.completions.create(model="gpt-4o-mini", messages=USER, max_tokens=8)
    assert reply.choices[0].message.content
    assert reply._request_id


def test_v1_sync_chat_names_the_deployment_in_model(v1: openai.OpenAI) -> None:
    reply = v1.chat.completions.create(model="gpt-4o-mini", messages=USER, max_tokens=8)
    assert reply.model == "gpt-4o-mini-2024-07-18"
    prompt_results = (reply.model_extra or {})["prompt_filter_results"][0]["content_filter_results"]
    assert prompt_results["indirect_attack"] == {"filtered": False, "detected": False}


async def test_v1_async_chat(av1: openai.AsyncOpenAI) -> None:
    reply = await av1.chat.completions.create(model="gpt-4o-mini", messages=USER, max_tokens=8)
    assert reply.choices[0].message.content


def test_n_choices_are_indexed(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=USER, max_tokens=6, n=3)
    assert [c.index for c in reply.choices] == [0, 1, 2]


def test_stop_and_seed_are_accepted(client: openai.AzureOpenAI) -> None:
    first = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, max_tokens=10, seed=7, stop=["x"]
    )
    second = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, max_tokens=10, seed=7, stop=["x"]
    )
    assert first.choices[0].message.content == second.choices[0].message.content


def test_logprobs(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, max_tokens=5, logprobs=True, top_logprobs=2
    )
    logprobs = reply.choices[0].logprobs
    assert logprobs is not None and logprobs.content
    first = logprobs.content[0]
    assert first.bytes == list(first.token.encode())
    assert len(first.top_logprobs) <= 2


def test_tool_calls(client: openai.AzureOpenAI) -> None:
    tools: Any = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
        }
    ]
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=tools,
        tool_choice="required",
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert "city" in json.loads(call.function.arguments)  # type: ignore[union-attr]


def test_json_object_response_format(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Reply in JSON please"}],
        response_format={"type": "json_object"},
        max_tokens=200,
    )
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_image_part_as_data_url(client: openai.AzureOpenAI) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()
    content: Any = [
        {"type": "text", "text": "What's in this image?"},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
    ]
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": content}], max_tokens=30
    )
    assert reply.choices[0].message.content


def test_stream_through_the_sdk(client: openai.AzureOpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, max_tokens=8, stream=True, stream_options={"include_usage": True}
    )
    with stream:
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 8


def _events(response: httpx2.Response) -> list[Any]:
    body = response.read().decode()
    assert body.endswith("\n\n")
    events = [block for block in body.split("\n\n") if block]
    assert all(block.startswith("data: ") for block in events)
    return [block[len("data: ") :] for block in events]


def test_stream_exact_chunk_sequence(raw: httpx2.Client) -> None:
    body = {"messages": USER, "max_tokens": 4, "stream": True, "stream_options": {"include_usage": True}}
    with chat_stream(raw, body) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-request-id"] == response.headers["apim-request-id"]
        events = _events(response)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    annotation, role, *content, finish, usage = chunks
    # 1. the annotation chunk: no choices, empty id/model/object, the prompt's filter results
    assert annotation["choices"] == [] and annotation["id"] == "" and annotation["object"] == ""
    assert annotation["model"] == "" and annotation["created"] == 0
    assert annotation["prompt_filter_results"][0]["content_filter_results"]["hate"] == SAFE_CHOICE
    # 2. the role chunk, 3. content chunks with per-choice filter results, 4. finish, 5. usage
    assert role["choices"][0]["delta"] == {"content": "", "refusal": None, "role": "assistant"}
    assert role["choices"][0]["content_filter_results"] == {}
    assert 1 <= len(content) <= 4
    for chunk in content:
        assert chunk["object"] == "chat.completion.chunk" and chunk["id"] == role["id"]
        assert chunk["choices"][0]["finish_reason"] is None
        assert chunk["choices"][0]["content_filter_results"]["sexual"] == SAFE_CHOICE
    assert finish["choices"][0]["finish_reason"] in ("stop", "length") and finish["choices"][0]["delta"] == {}
    assert usage["choices"] == [] and usage["usage"]["completion_tokens"] == len(content)


def test_stream_without_usage_ends_with_finish_then_done(raw: httpx2.Client) -> None:
    body = {"messages": USER, "max_tokens": 3, "stream": True}
    with chat_stream(raw, body) as response:
        events = _events(response)
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["choices"][0]["finish_reason"] in ("stop", "length")


def test_streamed_tool_calls(client: openai.AzureOpenAI) -> None:
    tools: Any = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "look it up"}],
        tools=tools,
        tool_choice={"type": "function", "function": {"name": "lookup"}},
        stream=True,
    )
    with stream:
        chunks = [c for c in stream if c.choices]
    calls = [tc for c in chunks for tc in (c.choices[0].delta.tool_calls or [])]
    assert calls and calls[0].function is not None and calls[0].function.name == "lookup"
    assert chunks[-1].choices[0].finish_reason == "stop"  # a named tool_choice ends so on Azure too


async def test_async_stream(aclient: openai.AsyncAzureOpenAI) -> None:
    stream = await aclient.chat.completions.create(
        model="gpt-4o-mini", messages=USER, max_tokens=5, stream=True
    )
    pieces = []
    async with stream:
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
    assert pieces
