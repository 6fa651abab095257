"""StreamResult consumes Azure's exact chunk sequence live, then replays; sync and async; sinks injected."""

from __future__ import annotations

import io
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.display import show, stream
from aoai_nb.display._env import DisplaySink, PlainSink
from aoai_nb.display._live import StreamResult
from aoai_nb.display._usage import UsageTracker

from .fakes import (
    AZURE_CUT_STREAM,
    CANARY,
    OUTPUT_FILTERS,
    REQUEST_ID,
    chunk,
    content,
    fake_async_client,
    fake_client,
    reply,
    sse,
)

MESSAGES = [{"role": "user", "content": "tell me a story"}]


class Recorder:
    """A sink that records what a live view would have shown."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def start(self, view: Any) -> None:
        self.events.append(("start", view.text))

    def write(self, delta: str) -> None:
        self.events.append(("write", delta))

    def update(self, view: Any) -> None:
        self.events.append(("update", view.text))

    def finish(self, view: Any) -> None:
        self.events.append(("finish", view.footer_text()))


def sdk_stream(events: list[dict[str, Any]]) -> openai.Stream[Any]:
    client = fake_client(lambda request: reply(200, sse(*events)))
    return client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)  # type: ignore[arg-type]


class Ticks:
    """A clock that advances one second per call: timings become exact."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_azure_cut_stream_leaves_a_complete_result() -> None:
    sink, tracker = Recorder(), UsageTracker()
    result = StreamResult(
        sdk_stream(AZURE_CUT_STREAM), sink=sink, tracker=tracker, clock=Ticks(), min_interval_s=0
    )
    deltas = list(result)
    assert deltas == ["Here is ", "a <b>story</b>"]
    assert result.done and result.text == "Here is a <b>story</b>"
    assert result.finish_reason == "content_filter"
    assert result.usage.completion_tokens == 5
    assert result.request_id == REQUEST_ID
    assert (
        result.id == "chatcmpl-Str3am" and result.model == "gpt-4o-mini-2024-07-18"
    )  # not the empty first chunk
    assert repr(result.filter_report) == "<FilterReport output cut: violence=medium>"
    assert result.chunks == len(AZURE_CUT_STREAM)
    # clock: begin=1, first token=2, second token=3  -> ttft 1 s; 5 tokens over 1 s after the first -> 4 tokens/s
    assert result.ttft_s == 1.0 and result.tokens_per_s == 4.0
    assert sink.events == [
        ("start", ""),
        ("write", "Here is "),
        ("update", "Here is "),
        ("write", "a <b>story</b>"),
        ("update", "Here is a <b>story</b>"),
        ("finish", result.footer_text()),
    ]
    assert result.footer_text() == (
        "finish_reason=content_filter · ttft 1.00 s · 4.0 tokens/s · 12 prompt + 5 completion = 17 tokens · "
        f"filters: output cut (violence=medium) · request id: {REQUEST_ID}"
    )
    assert [row.total_tokens for row in tracker.rows] == [17]
    assert list(result) == deltas  # replay, without touching the (closed) stream again


def test_updates_are_throttled_but_the_last_state_is_always_shown() -> None:
    sink = Recorder()
    events = [content(w) for w in ("a", "b", "c", "d")] + [
        chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}])
    ]
    result = StreamResult(
        sdk_stream(events), sink=sink, tracker=UsageTracker(), clock=Ticks(), min_interval_s=2.0
    )
    result.wait()
    updates = [text for kind, text in sink.events if kind == "update"]
    assert updates == ["a", "abc"]  # tokens at t=2,3,4,5; min interval 2 s -> updates at t=2 and t=4
    assert sink.events[-1][0] == "finish" and result.text == "abcd"
    assert "usage not reported" in result.footer_text()


def test_plain_output_prints_as_it_goes() -> None:
    out = io.StringIO()
    result = stream(sdk_stream(AZURE_CUT_STREAM), sink=PlainSink(out), tracker=UsageTracker())
    assert isinstance(result, StreamResult)
    printed = out.getvalue()
    assert printed.startswith("Here is a <b>story</b>\nfinish_reason=content_filter · ttft ")
    assert CANARY not in printed


def test_display_sink_creates_one_output_and_updates_it() -> None:
    shown: list[tuple[str, Any]] = []

    class Handle:
        def update(self, obj: Any) -> None:
            shown.append(("update", obj._repr_mimebundle_()["text/plain"]))

    def display(obj: Any, display_id: bool = False) -> Handle:
        assert display_id is True
        shown.append(("display", obj._repr_mimebundle_()["text/plain"]))
        return Handle()

    result = StreamResult(sdk_stream(AZURE_CUT_STREAM), sink=DisplaySink(display), tracker=UsageTracker())
    result.wait()
    assert [kind for kind, _ in shown].count("display") == 1
    assert shown[0] == ("display", f"streaming… · request id: {REQUEST_ID}")
    assert shown[-1][1] == result.to_text()


def test_html_escapes_the_reply_and_shows_the_cut() -> None:
    result = stream(sdk_stream(AZURE_CUT_STREAM), live=False, tracker=UsageTracker())
    html = result.to_html()
    assert "<b>story</b>" not in html and "&lt;b&gt;story&lt;/b&gt;" in html
    assert "content filter: output cut" in html and "violence" in html


def test_break_stops_early_and_closes_the_stream() -> None:
    source = sdk_stream(AZURE_CUT_STREAM)
    result = StreamResult(source, live=False, tracker=UsageTracker())
    for delta in result:
        assert delta == "Here is "
        break
    assert result.aborted and not result.done and source.response.is_closed
    assert list(result) == ["Here is "] and "stopped early" in result.footer_text()


def test_error_event_mid_stream_is_kept_and_raised() -> None:
    body = sse(content("partial"), {"error": {"code": "InternalServerError", "message": "model crashed"}})
    client = fake_client(lambda request: reply(200, body))
    result = StreamResult(
        client.chat.completions.create(model="m", messages=MESSAGES, stream=True),  # type: ignore[arg-type]
        live=False,
        tracker=UsageTracker(),
    )
    with pytest.raises(openai.APIError):
        result.wait()
    assert result.text == "partial" and isinstance(result.error, openai.APIError)
    assert "stopped by APIError" in result.to_text()
    assert "model crashed" in result.to_html()


def test_multiple_choices_and_tool_calls() -> None:
    events = [
        chunk([{"index": 0, "delta": {"content": "A"}}, {"index": 1, "delta": {"content": "B"}}]),
        chunk([{"index": 1, "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                                        "function": {"name": "get_weather", "arguments": "{\"ci"}}]}}]),
        chunk([{"index": 1, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Oslo\"}"}}]}}]),
        chunk([{"index": 0, "delta": {}, "finish_reason": "stop"}, {"index": 1, "delta": {}, "finish_reason": "tool_calls"}]),
    ]  # fmt: skip
    result = stream(sdk_stream(events), live=False, tracker=UsageTracker())
    assert result.texts == {0: "A", 1: "B"} and result.finish_reasons == {0: "stop", 1: "tool_calls"}
    assert result.tool_calls == [{"id": "call_1", "name": "get_weather", "arguments": '{"city": "Oslo"}'}]


def test_legacy_completion_stream() -> None:
    events = [
        {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "gpt-35-turbo-instruct",
         "choices": [{"index": 0, "text": "Hello", "finish_reason": None, "logprobs": None}]},
        {"id": "cmpl-1", "object": "text_completion", "created": 1, "model": "gpt-35-turbo-instruct",
         "choices": [{"index": 0, "text": " world", "finish_reason": "length", "logprobs": None}]},
    ]  # fmt: skip
    client = fake_client(lambda request: reply(200, sse(*events)))
    source = client.completions.create(model="gpt-35-turbo-instruct", prompt="Hello", stream=True)
    result = stream(source, live=False, tracker=UsageTracker())
    assert result.kind == "completion" and result.text == "Hello world" and result.finish_reason == "length"
    assert "<pre" in result.to_html()


async def test_async_stream_iterates_awaits_and_replays() -> None:
    client = fake_async_client(lambda request: reply(200, sse(*AZURE_CUT_STREAM)))
    source = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    result = StreamResult(source, sink=Recorder(), tracker=UsageTracker())
    with pytest.raises(TypeError, match="async for"):
        iter(result)
    assert [d async for d in result] == ["Here is ", "a <b>story</b>"]
    assert result.done and result.finish_reason == "content_filter" and result.request_id == REQUEST_ID
    assert [d async for d in result] == ["Here is ", "a <b>story</b>"]
    assert list(result) == ["Here is ", "a <b>story</b>"]  # replay works sync too once done
    await client.close()


async def test_await_stream_and_show_for_async_sources() -> None:
    ids = iter(["req-1", "req-2"])
    client = fake_async_client(
        lambda request: reply(200, sse(*AZURE_CUT_STREAM), **{"x-request-id": next(ids)})
    )
    tracker = UsageTracker()
    source = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    result = await stream(source, live=False, tracker=tracker)
    assert result.text == "Here is a <b>story</b>"
    source2 = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    shown = show(source2, env="plain", tracker=tracker)
    assert shown is not None
    await shown
    assert [(r.total_tokens, r.request_id) for r in tracker.rows] == [(17, "req-1"), (17, "req-2")]
    await client.close()


def test_plain_iterables_of_dicts_work_too() -> None:
    result = stream(iter(AZURE_CUT_STREAM), live=False, tracker=UsageTracker())
    assert result.text == "Here is a <b>story</b>" and result.request_id is None


def test_connection_drop_mid_stream() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        def body() -> Any:
            yield b'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m",'
            yield b'"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
            raise httpx2.ReadError("connection reset")

        return httpx2.Response(200, content=body(), headers={"content-type": "text/event-stream"})

    client = fake_client(handler)
    source = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    result = StreamResult(source, live=False, tracker=UsageTracker())
    with pytest.raises(openai.APIConnectionError):
        result.wait()
    assert result.text == "Hel" and "APIConnectionError" in result.to_text()


def test_showing_a_finished_result_shows_it_again_instead_of_an_empty_stream() -> None:
    result = stream(sdk_stream(AZURE_CUT_STREAM), sink=PlainSink(io.StringIO()), tracker=UsageTracker())
    out = io.StringIO()
    show(result, env="plain", out=out)  # type: ignore[arg-type]
    shown = out.getvalue()
    assert "Here is a <b>story</b>" in shown and "finish_reason=content_filter" in shown
    assert result.text.startswith("Here is a <b>story</b>")


class HtmlRecorder(Recorder):
    """Records the view's HTML and footer at every live update and at the end."""

    def update(self, view: Any) -> None:
        self.events.append((view.to_html(), view.footer_text()))

    def finish(self, view: Any) -> None:
        self.update(view)


PASSING_STREAM = [
    AZURE_CUT_STREAM[0],
    content("Once ", role=True),
    content("upon "),
    content("a time."),
    chunk([{"index": 0, "delta": {}, "finish_reason": "stop", "logprobs": None,
            "content_filter_results": OUTPUT_FILTERS}]),
]  # fmt: skip


def test_the_filter_verdict_is_pending_until_the_stream_ends() -> None:
    sink = HtmlRecorder()
    StreamResult(sdk_stream(PASSING_STREAM), sink=sink, tracker=UsageTracker(), min_interval_s=0).wait()
    *during, (end_html, end_footer) = [e for e in sink.events if e[0] not in ("start", "write")]
    assert len(during) == 3  # one update per content chunk
    for html, footer in during:
        assert "content filter: pending" in html and "content filter: passed" not in html
        assert "filters: pending" in footer and "filters: passed" not in footer
    assert "content filter: passed" in end_html and "pending" not in end_html
    assert "filters: passed" in end_footer


def test_a_cut_is_shown_at_once_and_a_stream_stopped_early_is_not_called_passed() -> None:
    sink = HtmlRecorder()
    StreamResult(sdk_stream(AZURE_CUT_STREAM), sink=sink, tracker=UsageTracker(), min_interval_s=0).wait()
    assert "content filter: output cut" in sink.events[-1][0]
    result = StreamResult(sdk_stream(PASSING_STREAM), sink=sink, tracker=UsageTracker(), min_interval_s=0)
    for _ in result:
        break
    assert result.aborted
    assert "content filter: not judged to the end" in result.to_html()
    assert "filters: passed" not in result.footer_text()
