"""What Responses share with chat: the content filter, faults, rate limits; plus reasoning-model rules, the
internal create for batch lines, and Response bodies against the v1 spec."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator.config import Deployment, EmulatorConfig
from aoai_nb.emulator.routes.responses import create_response
from aoai_nb.emulator.runtime import Runtime
from tests.fixtures import SpecValidator
from tests.responses.conftest import MODEL, client_for, config_with

BLOCK = {"x-aoai-nb-filter": "prompt:violence=high"}
CUT = {"x-aoai-nb-filter": "output:hate=high"}
REASONER = "gpt-5-mini"  # a reasoning deployment of the built-in configuration
WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
}


def test_blocked_prompt_is_the_wire_400(raw: httpx2.Client) -> None:
    response = raw.post("/openai/v1/responses", json={"model": MODEL, "input": "x"}, headers=BLOCK)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "content_filter" and error["param"] == "prompt"
    inner = error["innererror"]
    assert inner["code"] == "ResponsibleAIPolicyViolation"
    assert inner["content_filter_result"]["violence"] == {"filtered": True, "severity": "high"}


def test_cut_output_is_incomplete_with_content_filter(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="hello", extra_headers=CUT)
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "content_filter"
    assert response.output_text == ""  # withheld, as chat withholds a cut reply that is not streamed
    filters = response.model_dump()["content_filters"]
    assert [f["source_type"] for f in filters] == ["prompt", "completion"]
    assert filters[0]["blocked"] is False and filters[1]["blocked"] is True
    assert filters[1]["content_filter_results"]["hate"] == {"filtered": True, "severity": "high"}


def test_cut_stream_stops_early_and_ends_incomplete(v1: openai.OpenAI) -> None:
    events = list(v1.responses.create(model=MODEL, input="hello", stream=True, extra_headers=CUT))
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) == 2  # the header trigger lets two deltas out, as on chat
    assert events[-1].type == "response.incomplete"
    final = events[-1].response
    assert final.incomplete_details.reason == "content_filter"  # type: ignore[union-attr]
    assert final.output_text == "".join(d.delta for d in deltas)


def test_safe_responses_report_their_filter_results(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL, input="hi", extra_headers={"x-aoai-nb-filter": "prompt:sexual=low"}
    )
    filters = response.model_dump()["content_filters"]
    assert filters[0]["content_filter_results"]["sexual"] == {"filtered": False, "severity": "low"}
    assert response.status == "completed"


def test_malformed_filter_header_is_a_400(raw: httpx2.Client) -> None:
    response = raw.post(
        "/openai/v1/responses", json={"model": MODEL, "input": "x"}, headers={"x-aoai-nb-filter": "bogus"}
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "x-aoai-nb-filter"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_injected_faults_as_on_chat(raw: httpx2.Client, status: int) -> None:
    response = raw.post(
        "/openai/v1/responses", json={"model": MODEL, "input": "x"}, headers={"x-aoai-nb-fault": str(status)}
    )
    assert response.status_code == status
    assert response.headers["x-request-id"]
    if status == 429:
        assert response.headers["retry-after-ms"]


def test_rate_limit_counts_responses(make_emulator: Any) -> None:
    limited = Deployment(name="limited", capability="chat", model="gpt-4o-mini", rpm=1)
    emu = make_emulator(config=config_with(limited))
    with client_for(emu) as client:
        first = client.responses.with_raw_response.create(model="limited", input="one")
        assert first.headers["x-ratelimit-remaining-requests"] == "0"
        with pytest.raises(openai.RateLimitError) as err:
            client.responses.create(model="limited", input="two")
        assert err.value.response.headers["retry-after-ms"]


def test_reasoning_model_rules_and_summary(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=REASONER, input="x", temperature=0.5)
    assert err.value.body == {
        "message": "Unsupported parameter: 'temperature' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "temperature",
        "code": None,
    }
    raw = v1.responses.with_raw_response.create(
        model=REASONER, input="Think", reasoning={"effort": "low", "summary": "auto"}
    )
    assert "do not reason" in raw.headers["x-aoai-nb-reasoning"]
    response = raw.parse()
    assert [item.type for item in response.output] == ["reasoning", "message"]
    summary = response.output[0].summary[0].text  # type: ignore[union-attr]
    assert summary.startswith("[emulator placeholder]")
    assert response.reasoning is not None and response.reasoning.effort == "low"
    assert response.temperature is None and response.top_p is None
    events = list(
        v1.responses.create(model=REASONER, input="Think", reasoning={"summary": "auto"}, stream=True)
    )
    deltas = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert deltas == events[-1].response.output[0].summary[0].text  # type: ignore[union-attr]
    with pytest.raises(openai.BadRequestError):
        v1.responses.create(model=REASONER, input="x", reasoning={"effort": "extreme"})


def test_non_reasoning_model_refuses_reasoning_effort(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input="x", reasoning={"effort": "high"})
    assert (
        err.value.body["message"]
        == "Unsupported parameter: 'reasoning.effort' is not supported with this model."
    )  # type: ignore[index]
    assert err.value.code == "unsupported_parameter"


async def test_internal_create_for_batch_lines() -> None:
    rt = Runtime(EmulatorConfig.default(), "k", True, "scripted")
    status, body = await create_response(rt, {"model": MODEL, "input": "a batch line"})
    assert status == 200 and body["status"] == "completed"
    assert "a batch line" in body["output"][0]["content"][0]["text"]
    assert rt.responses.get(body["id"]).response["id"] == body["id"]
    status, error = await create_response(rt, {"model": MODEL, "input": "x", "max_output_tokens": 3})
    assert status == 400 and error["error"]["code"] == "integer_below_min_value"
    status, error = await create_response(rt, {"model": "nope", "input": "x"})
    assert status == 404
    status, error = await create_response(rt, {"model": MODEL, "input": "x", "stream": True})
    assert status == 400 and error["error"]["param"] == "stream"


# --- the v1 spec ----------------------------------------------------------------------------------------------

BODIES = [
    {"input": "hello", "instructions": "be kind", "metadata": {"a": "b"}},
    {
        "input": "weather in Oslo?",
        "tools": [WEATHER_TOOL],
    },
    {"input": "json please", "text": {"format": {"type": "json_object"}}},
    {"input": "long", "max_output_tokens": 16},
]


@pytest.mark.parametrize("body", BODIES, ids=["text", "tools", "json", "incomplete"])
def test_response_bodies_validate_against_the_v1_spec(
    raw: httpx2.Client, spec_v1: SpecValidator, body: dict[str, Any]
) -> None:
    response = raw.post("/openai/v1/responses", json={"model": MODEL, **body})
    assert response.status_code == 200, response.text
    spec_v1.validate_response(response.json(), "/responses")
    items = raw.get(f"/openai/v1/responses/{response.json()['id']}/input_items")
    spec_v1.validate_response(items.json(), "/responses/{response_id}/input_items", method="get")
    again = raw.get(f"/openai/v1/responses/{response.json()['id']}")
    spec_v1.validate_response(again.json(), "/responses/{response_id}", method="get")


def test_stream_events_validate_against_the_v1_spec(raw: httpx2.Client, spec_v1: SpecValidator) -> None:
    response = raw.post(
        "/openai/v1/responses", json={"model": MODEL, "input": "hi", "stream": True, "max_output_tokens": 20}
    )
    frames = [f for f in response.text.split("\n\n") if f]
    events = [json.loads(f.split("\n")[1].removeprefix("data: ")) for f in frames]
    for event in events:
        spec_v1.validate_component(event, "OpenAI.ResponseStreamEvent")


def test_delete_body_validates(raw: httpx2.Client, spec_v1: SpecValidator) -> None:
    created = raw.post("/openai/v1/responses", json={"model": MODEL, "input": "x"}).json()
    deleted = raw.delete(f"/openai/v1/responses/{created['id']}")
    spec_v1.validate_response(deleted.json(), "/responses/{response_id}", method="delete")
