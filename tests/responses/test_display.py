"""show()/view()/stream() and FilterReport for Responses API results, from real emulator responses."""

from __future__ import annotations

import io
from typing import Any

import openai

from aoai_nb import FilterReport, show, stream, view
from aoai_nb.display._live import StreamResult
from aoai_nb.display._responses import ResponseView
from aoai_nb.display._usage import UsageTracker
from tests.responses.conftest import MODEL
from tests.responses.test_gateway import REASONER, WEATHER_TOOL

TOOLS = [WEATHER_TOOL]


class Recorder:
    """A live sink that keeps what it is sent."""

    def __init__(self) -> None:
        self.writes: list[str] = []
        self.updates = 0
        self.finished: Any = None

    def start(self, view: Any) -> None:
        pass

    def write(self, delta: str) -> None:
        self.writes.append(delta)

    def update(self, view: Any) -> None:
        self.updates += 1

    def finish(self, view: Any) -> None:
        self.finished = view


def test_view_of_a_text_response(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="Say <script>alert(1)</script> **bold**")
    shown = view(response)
    assert isinstance(shown, ResponseView)
    assert shown.text == response.output_text and shown.status == "completed"
    assert shown.request_id == response._request_id and shown.request_id
    text = shown.to_text()
    assert "status=completed" in text and f"id: {response.id}" in text and "prompt +" in text
    html = shown.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>bold</strong>" in html
    assert repr(shown).startswith("<ResponseView gpt-4o-mini")


def test_view_of_function_calls(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="weather in Paris?", tools=TOOLS)
    shown = view(response)
    assert isinstance(shown, ResponseView)
    assert [(c.name, c.arguments) for c in shown.function_calls] == [("get_weather", '{"city": "Paris"}')]
    assert 'function call: get_weather({"city": "Paris"})' in shown.to_text()
    assert "<code>get_weather</code>" in shown.to_html()


def test_view_of_a_reasoning_summary(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=REASONER, input="Think", reasoning={"summary": "auto"})
    shown = view(response)
    assert isinstance(shown, ResponseView) and shown.reasoning_summary.startswith("[emulator placeholder]")
    assert "reasoning summary: [emulator placeholder]" in shown.to_text()


def test_filter_report_of_a_cut_response(v1: openai.OpenAI) -> None:
    response = v1.responses.create(
        model=MODEL, input="hi", extra_headers={"x-aoai-nb-filter": "output:violence=high,prompt:hate=low"}
    )
    report = FilterReport.of(response)
    assert report.status == "output cut" and report.source == "response"
    assert report.summary() == "violence=high"
    prompt_hate = [r for r in report.results if r.scope == "prompt" and r.category == "hate"]
    assert prompt_hate[0].severity == "low" and not prompt_hate[0].filtered
    shown = view(response)
    assert "(no text: the content filter withheld this output)" in shown.to_text()
    assert "status=incomplete (content_filter)" in shown.to_text()
    assert FilterReport.of(v1.responses.create(model=MODEL, input="hi")).status == "passed"


def test_show_prints_and_records_usage(v1: openai.OpenAI) -> None:
    response = v1.responses.create(model=MODEL, input="count me")
    out = io.StringIO()
    tracker = UsageTracker()
    show(response, env="terminal", out=out, tracker=tracker)
    assert response.output_text in out.getvalue()
    [row] = tracker.rows
    assert row.kind == "responses" and row.total_tokens == response.usage.total_tokens  # type: ignore[union-attr]


def test_stream_shows_text_growing_and_the_final_status(v1: openai.OpenAI) -> None:
    sink = Recorder()
    tracker = UsageTracker()
    result = stream(
        v1.responses.create(model=MODEL, input="stream me", stream=True), sink=sink, tracker=tracker
    )
    assert isinstance(result, StreamResult)
    assert "".join(sink.writes) == result.text and len(sink.writes) > 3
    assert result.kind == "responses" and result.finish_reason == "completed"
    assert result.ttft_s is not None and result.id.startswith("resp_")
    assert result.usage.output_tokens == len(sink.writes)  # one token per delta (scripted engine)
    assert "status=completed" in result.footer_text() and result.request_id
    assert tracker.rows[0].kind == "responses stream"
    assert sink.finished is result and list(result) == sink.writes  # replayable


def test_stream_collects_function_calls_and_filter_cuts(v1: openai.OpenAI) -> None:
    calls = stream(
        v1.responses.create(model=MODEL, input="weather in Oslo?", tools=TOOLS, stream=True), live=False
    )
    assert calls.tool_calls == [
        {"id": calls.tool_calls[0]["id"], "name": "get_weather", "arguments": '{"city": "Oslo"}'}
    ]
    assert "tool call: get_weather" in calls.to_text()
    cut = stream(
        v1.responses.create(
            model=MODEL, input="hi", stream=True, extra_headers={"x-aoai-nb-filter": "output:sexual=high"}
        ),
        live=False,
    )
    assert cut.finish_reason == "incomplete (content_filter)" and cut.filter_report.status == "output cut"


async def test_async_stream(av1: openai.AsyncOpenAI) -> None:
    result = await stream(await av1.responses.create(model=MODEL, input="async", stream=True), live=False)
    assert result.finish_reason == "completed" and "async" in result.text
