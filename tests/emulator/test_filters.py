"""The content filter: header triggers for every side and category, the wire forms, and the heuristic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines.base import Finish, TextDelta
from aoai_nb.emulator.wire import PROMPT_FILTERED_MESSAGE

from .helpers import Repeated, chat_stream, sse_data

U = [{"role": "user", "content": "Tell me a story"}]


def _filter(value: str) -> dict[str, dict[str, str]]:
    return {"extra_headers": {"x-aoai-nb-filter": value}}


@pytest.mark.parametrize("category", ["hate", "sexual", "violence", "self_harm"])
def test_prompt_filter_is_the_wire_400(client: openai.AzureOpenAI, category: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4o-mini", messages=U, **_filter(f"prompt:{category}=high"))  # type: ignore[arg-type]
    error = info.value
    assert error.code == "content_filter" and error.param == "prompt" and error.type is None
    assert error.request_id
    body: Any = error.body
    assert body["message"] == PROMPT_FILTERED_MESSAGE and body["status"] == 400
    inner = body["innererror"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_result"][category] == {"filtered": True, "severity": "high"}
    others = [c for c in ("hate", "sexual", "violence", "self_harm") if c != category]
    assert all(inner["content_filter_result"][c] == {"filtered": False, "severity": "safe"} for c in others)
    assert inner["content_filter_result"]["jailbreak"] == {"filtered": False, "detected": False}


def test_jailbreak_blocks_the_prompt(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        v1.chat.completions.create(model="gpt-4o-mini", messages=U, **_filter("prompt:jailbreak"))  # type: ignore[arg-type]
    body: Any = info.value.body
    assert body["innererror"]["content_filter_result"]["jailbreak"] == {"filtered": True, "detected": True}


def test_low_severity_is_annotated_not_filtered(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=U,
        max_tokens=5,  # type: ignore[arg-type]
        **_filter("prompt:violence=low, output:hate=low, output:profanity"),
    )
    prompt = (reply.model_extra or {})["prompt_filter_results"][0]["content_filter_results"]
    assert prompt["violence"] == {"filtered": False, "severity": "low"}
    choice = reply.choices[0]
    assert choice.finish_reason != "content_filter"
    results = (choice.model_extra or {})["content_filter_results"]
    assert results["hate"] == {"filtered": False, "severity": "low"}
    assert results["profanity"] == {"filtered": False, "detected": True}


def test_output_filter_is_a_200_with_finish_reason_content_filter(client: openai.AzureOpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=U,
        max_tokens=20,  # type: ignore[arg-type]
        **_filter("output:sexual=medium"),
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "content_filter"
    assert choice.message.content is None
    assert (choice.model_extra or {})["content_filter_results"]["sexual"] == {
        "filtered": True,
        "severity": "medium",
    }


def test_protected_material_filters_the_output(client: openai.AzureOpenAI) -> None:
    reply = client.completions.create(
        model="gpt-35-turbo-instruct",
        prompt="def quicksort",
        max_tokens=8,
        **_filter("output:protected_material_code"),
    )  # type: ignore[arg-type]
    choice = reply.choices[0]
    assert choice.finish_reason == "content_filter" and choice.text == ""
    results = (choice.model_extra or {})["content_filter_results"]
    assert results["protected_material_code"] == {"filtered": True, "detected": True}


def test_stream_stops_at_the_filtered_chunk(raw: httpx2.Client) -> None:
    body = {"messages": U, "max_tokens": 30, "stream": True}
    with chat_stream(raw, body, {"x-aoai-nb-filter": "output:violence=high"}) as response:
        events = sse_data(response.read().decode())
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    content = [c for c in chunks[2:-1]]
    assert len(content) == 2  # two deltas go out, then the filter fires
    last = chunks[-1]["choices"][0]
    assert last["finish_reason"] == "content_filter" and last["delta"] == {}
    assert last["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}


def test_prompt_filter_while_streaming_is_a_plain_400(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=U,
            stream=True,  # type: ignore[arg-type]
            **_filter("prompt:self_harm=medium"),
        )
    assert info.value.code == "content_filter"


def test_image_prompt_filter_is_content_policy_violation(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.images.generate(model="dall-e-3", prompt="a cat", **_filter("prompt:violence=high"))  # type: ignore[arg-type]
    body: Any = info.value.body
    assert info.value.code == "content_policy_violation"
    assert body["inner_error"]["code"] == "ResponsibleAIPolicyViolation"
    assert body["inner_error"]["content_filter_results"]["violence"] == {"filtered": True, "severity": "high"}


def test_image_output_filter(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.images.generate(model="dall-e-3", prompt="a cat", **_filter("output:hate=high"))  # type: ignore[arg-type]
    assert info.value.code == "contentFilter"


class KeywordModeration:
    """Flags 'kaboom' as high violence: a fake you can check in your head."""

    name = "keyword-test"

    def score(self, texts: list[str]) -> list[dict[str, Any]]:
        return [{"violence": "high" if "kaboom" in t.lower() else "safe"} for t in texts]


def test_heuristic_scores_prompts_and_can_be_switched_off(make_emulator: Any) -> None:
    scripted = load_engine_set("scripted")
    engines = replace(scripted, moderation=KeywordModeration())
    emu = make_emulator(engines=engines)
    assert emu.status()["content_filter"]["moderation_engine"] == "keyword-test"
    messages: Any = [{"role": "user", "content": "Kaboom goes the bridge"}]
    with openai.AzureOpenAI(
        azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=0
    ) as c:
        with pytest.raises(openai.BadRequestError) as info:
            c.chat.completions.create(model="gpt-4o-mini", messages=messages)
        assert info.value.code == "content_filter"
        ok = c.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hello"}], max_tokens=4
        )
        assert ok.choices[0].finish_reason != "content_filter"
        emu.set_controls(filter_heuristic=False)
        passed = c.chat.completions.create(model="gpt-4o-mini", messages=messages, max_tokens=4)
        assert passed.choices[0].message.content


def test_low_output_severity_is_annotated_on_every_stream_chunk(raw: httpx2.Client) -> None:
    body = {"messages": U, "max_tokens": 4, "stream": True}
    with chat_stream(raw, body, {"x-aoai-nb-filter": "output:self_harm=low"}) as response:
        events = sse_data(response.read().decode())
    content = [json.loads(e)["choices"][0] for e in events[2:-2]]
    assert content and all(
        c["content_filter_results"]["self_harm"] == {"filtered": False, "severity": "low"} for c in content
    )
    assert json.loads(events[-2])["choices"][0]["finish_reason"] != "content_filter"


TEXT_ROUTES = {
    "chat": ("/openai/deployments/gpt-4o-mini/chat/completions", {"messages": U, "max_tokens": 30}),
    "completions": (
        "/openai/deployments/gpt-35-turbo-instruct/completions",
        {"prompt": "Once upon a time", "max_tokens": 30},
    ),
}


def _usage(
    raw: httpx2.Client, route: str, stream: bool, filter_header: str | None
) -> tuple[dict[str, Any], str]:
    """The usage and the first choice's finish_reason of one request, streamed or not."""
    path, body = TEXT_ROUTES[route]
    headers = {"x-aoai-nb-filter": filter_header} if filter_header else {}
    params = {"api-version": "2024-10-21"}
    if not stream:
        reply = raw.post(path, params=params, json=body, headers=headers).json()
        return reply["usage"], reply["choices"][0]["finish_reason"]
    body = {**body, "stream": True, "stream_options": {"include_usage": True}}
    with raw.stream("POST", path, params=params, json=body, headers=headers) as response:
        events = sse_data(response.read().decode())
    chunks = [json.loads(e) for e in events[:-1]]
    finish = [
        c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]
    ]
    return chunks[-1]["usage"], finish[0]


@pytest.mark.parametrize("route", ["chat", "completions"])
def test_output_filter_usage_counts_the_real_prompt_and_the_tokens_before_the_cut(
    raw: httpx2.Client, route: str
) -> None:
    from aoai_nb.emulator.safety import OUTPUT_CUT_AFTER_DELTAS

    full, _ = _usage(raw, route, stream=False, filter_header=None)
    assert _usage(raw, route, stream=True, filter_header=None)[0] == full
    for stream in (False, True):
        cut, finish_reason = _usage(raw, route, stream, "output:violence=high")
        assert finish_reason == "content_filter"
        assert cut["prompt_tokens"] == full["prompt_tokens"] > 0  # a cut stream used to report 0
        assert cut["completion_tokens"] == OUTPUT_CUT_AFTER_DELTAS < full["completion_tokens"]
        assert cut["total_tokens"] == cut["prompt_tokens"] + cut["completion_tokens"]


class WordModeration:
    """Flags any text containing 'conversation' (the scripted chat reply's 15th token) as high hate."""

    name = "word-test"

    def score(self, texts: list[str]) -> list[dict[str, Any]]:
        return [{"hate": "high" if "conversation" in t else "safe"} for t in texts]


def test_heuristic_cut_counts_the_same_tokens_streamed_or_not(make_emulator: Any) -> None:
    from aoai_nb.emulator.safety import HEURISTIC_EVERY

    scripted = load_engine_set("scripted")
    engines = replace(scripted, chat=Repeated(times=3), moderation=WordModeration())
    emu = make_emulator(engines=engines)
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as h:
        collected, collected_reason = _usage(h, "chat", stream=False, filter_header=None)
        streamed, streamed_reason = _usage(h, "chat", stream=True, filter_header=None)
        emu.set_controls(filter_heuristic=False)
        full, _ = _usage(h, "chat", stream=False, filter_header=None)
    assert collected_reason == streamed_reason == "content_filter"
    assert collected == streamed  # checked every HEURISTIC_EVERY deltas; the collected reply is judged alike
    assert collected["completion_tokens"] == HEURISTIC_EVERY < full["completion_tokens"]
    assert collected["prompt_tokens"] == full["prompt_tokens"]


class ShortSightedModeration:
    """Flags 'BAD' as high violence, but like MiniLM reads only the first 60 words of a text."""

    name = "short-sighted-test"

    def score(self, texts: list[str]) -> list[dict[str, Any]]:
        return [{"violence": "high" if "BAD" in t.split()[:60] else "safe"} for t in texts]


class EndsBadly:
    """150 deltas, 'BAD' at the 141st: past the last window check (at 128) and past the whole reply's 60 words."""

    instant = True
    name = "ends-badly-test"

    def chat(self, request: Any, choice_index: int = 0) -> Iterator[TextDelta | Finish]:
        yield from (TextDelta(" BAD" if i == 140 else " word") for i in range(150))
        yield Finish("stop", prompt_tokens=3, completion_tokens=150)


def test_the_end_of_a_long_reply_is_judged_streamed_or_not(make_emulator: Any) -> None:
    from aoai_nb.emulator.safety import HEURISTIC_EVERY

    assert 150 // HEURISTIC_EVERY * HEURISTIC_EVERY <= 140  # the premise: no window check reaches delta 141
    engines = replace(load_engine_set("scripted"), chat=EndsBadly(), moderation=ShortSightedModeration())
    emu = make_emulator(engines=engines)
    body = {"messages": [{"role": "user", "content": "Hi"}]}
    path, params = TEXT_ROUTES["chat"][0], {"api-version": "2024-10-21"}
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as h:
        reply = h.post(path, params=params, json=body).json()
        with h.stream("POST", path, params=params, json={**body, "stream": True}) as response:
            events = sse_data(response.read().decode())
    chunks = [json.loads(e) for e in events[:-1]]
    finishes = [
        c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]
    ]
    assert reply["choices"][0]["finish_reason"] == "content_filter"
    assert reply["choices"][0]["content_filter_results"]["violence"]["severity"] == "high"
    assert (
        reply["usage"]["completion_tokens"] == 150
    )  # no window fired: all were generated before the verdict
    assert finishes == ["content_filter"]
