"""FilterReport reads every shape content-filter results arrive in, and says what happened in one line."""

from __future__ import annotations

import copy
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from aoai_nb.display._filters import FilterReport, FilterResult

from .fakes import (
    AZURE_CUT_STREAM,
    CHAT_COMPLETION,
    IMAGES_POLICY_ERROR,
    OUTPUT_FILTERS,
    SPEC_FILTER_ERROR,
    WIRE_FILTER_ERROR,
    always,
    fake_client,
    raise_for,
    reply,
)


def categories(report: FilterReport) -> dict[tuple[str, int, str], str]:
    return {(r.scope, r.index, r.category): r.verdict + ("!" if r.filtered else "") for r in report.results}


def test_completion_dict_and_sdk_object_give_the_same_report() -> None:
    from_dict = FilterReport.from_completion(CHAT_COMPLETION)
    from_sdk = FilterReport.from_completion(ChatCompletion.model_validate(CHAT_COMPLETION))
    assert from_dict == from_sdk
    assert from_dict.status == "passed" and from_dict.passed
    assert repr(from_dict) == "<FilterReport passed>"
    assert categories(from_dict)[("prompt", 0, "jailbreak")] == "not detected"
    assert categories(from_dict)[("output", 0, "violence")] == "safe"
    assert len(from_dict.results) == 9  # 5 prompt + 4 output categories


def test_finish_reason_content_filter_means_output_cut() -> None:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["choices"][0]["finish_reason"] = "content_filter"
    body["choices"][0]["content_filter_results"]["sexual"] = {"filtered": True, "severity": "medium"}
    report = FilterReport.from_completion(body)
    assert report.status == "output cut" and report.cut_choices == (0,)
    assert repr(report) == "<FilterReport output cut: sexual=medium>"


def test_finish_reason_alone_is_enough_to_say_cut() -> None:
    report = FilterReport.from_completion({"choices": [{"index": 0, "finish_reason": "content_filter"}]})
    assert report.status == "output cut" and report.results == ()


def test_wire_400_body_through_the_sdk() -> None:
    exc = raise_for(fake_client(always(400, WIRE_FILTER_ERROR)))
    assert isinstance(exc, openai.BadRequestError)
    report = FilterReport.from_error(exc)
    assert repr(report) == "<FilterReport prompt blocked: sexual=high>"
    assert report.code == "content_filter" and report.message.startswith("The response was filtered")
    assert FilterReport.of(exc) == report == FilterReport.from_error(WIRE_FILTER_ERROR)
    assert FilterReport.from_error(WIRE_FILTER_ERROR["error"]) == report  # without the outer "error"


def test_spec_form_error_body() -> None:
    report = FilterReport.from_error(SPEC_FILTER_ERROR)
    assert report.prompt_blocked
    assert repr(report) == "<FilterReport prompt blocked: jailbreak=detected, violence=medium>"


def test_images_content_policy_violation_keeps_the_revised_prompt() -> None:
    report = FilterReport.of(IMAGES_POLICY_ERROR)
    assert report.status == "prompt blocked" and report.code == "content_policy_violation"
    assert report.revised_prompt == "A rabbit eating pancakes in a violent scene"
    assert "revised prompt: A rabbit eating pancakes" in report.to_text()


def test_an_error_that_is_not_a_filter_block_is_not_blocked() -> None:
    report = FilterReport.from_error({"error": {"code": "DeploymentNotFound", "message": "nope"}})
    assert report.status == "no filter results" and not report.prompt_blocked and report.message == ""


def test_content_filter_finish_reason_error_from_the_parse_helpers() -> None:
    body = copy.deepcopy(CHAT_COMPLETION)
    body["choices"][0]["finish_reason"] = "content_filter"
    exc = openai.ContentFilterFinishReasonError(completion=ChatCompletion.model_validate(body))
    assert FilterReport.from_error(exc).status == "output cut"
    assert FilterReport.from_error(openai.ContentFilterFinishReasonError()).status == "output cut"


def test_every_chunk_of_the_azure_stream_parses_and_merges_to_worst() -> None:
    chunks = [ChatCompletionChunk.construct(**c) for c in AZURE_CUT_STREAM]  # as the SDK builds them
    first = FilterReport.from_chunk(AZURE_CUT_STREAM[0])
    assert first.status == "passed" and {r.scope for r in first.results} == {"prompt"}
    merged = FilterReport.from_chunks(AZURE_CUT_STREAM)
    assert merged.source == "stream" and merged.status == "output cut"
    assert categories(merged)[("output", 0, "violence")] == "medium!"
    assert FilterReport.from_chunks(chunks) == merged


def test_v1_chunk_top_level_results() -> None:
    chunk = {"object": "chat.completion.chunk", "choices": [], "content_filter_results": OUTPUT_FILTERS}
    assert {r.scope for r in FilterReport.of(chunk).results} == {"output"}


def test_all_spec_categories_with_details() -> None:
    results: dict[str, Any] = {
        "profanity": {"filtered": False, "detected": True},
        "protected_material_text": {"filtered": False, "detected": False},
        "protected_material_code": {
            "filtered": False,
            "detected": True,
            "citation": {"URL": "https://github.com/x/y", "license": "MIT"},
        },
        "custom_blocklists": {"filtered": True, "details": [{"filtered": True, "id": "my-list"}]},
        "indirect_attack": {"filtered": False, "detected": False},
        "error": {"code": "JsonParseError", "message": "filter unavailable"},
    }
    body = {"choices": [{"index": 0, "finish_reason": "stop", "content_filter_results": results}]}
    rows = {r.category: r for r in FilterReport.from_completion(body).results}
    assert rows["protected_material_code"].detail == "URL: https://github.com/x/y; license: MIT"
    assert rows["custom_blocklists"].filtered and rows["custom_blocklists"].detail == "my-list"
    assert rows["error"].detail == "JsonParseError: filter unavailable"
    assert rows["profanity"].verdict == "detected" and rows["profanity"].flagged


def test_images_response_annotations() -> None:
    body = {
        "created": 1,
        "data": [
            {
                "url": "https://x/y.png",
                "prompt_filter_results": {"hate": {"filtered": False, "severity": "low"}},
                "content_filter_results": {"violence": {"filtered": False, "severity": "safe"}},
            }
        ],
    }
    report = FilterReport.of(body)
    assert report.source == "images" and repr(report) == "<FilterReport passed: hate=low>"


def test_no_results_at_all() -> None:
    report = FilterReport.from_completion({"choices": [{"index": 0, "finish_reason": "stop"}]})
    assert report.status == "no filter results" and repr(report) == "<FilterReport no filter results>"


@pytest.mark.parametrize("bad", [None, 42, "text", [], {"prompt_filter_results": "junk", "choices": [None]}])
def test_junk_never_raises(bad: Any) -> None:
    assert FilterReport.of(bad).status == "no filter results"


def test_filter_result_merge_keeps_worst_and_ors_flags() -> None:
    a = FilterResult("output", 0, "violence", False, severity="low")
    b = FilterResult("output", 0, "violence", True, severity="medium")
    c = FilterResult("output", 0, "violence", False, severity="safe")
    merged = FilterReport.merge(FilterReport((a,)), FilterReport((b,)), FilterReport((c,))).results
    assert merged == (FilterResult("output", 0, "violence", True, severity="medium"),)


def test_prompt_block_while_streaming_is_a_400_before_any_chunk() -> None:
    client = fake_client(lambda request: reply(400, WIRE_FILTER_ERROR))
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}], stream=True)
    assert FilterReport.of(info.value).prompt_blocked
