"""The batch view, batch_results and watch_batch, on batches run by the session's scripted emulator."""

from __future__ import annotations

import io
from typing import Any

import openai
import pandas as pd
import pytest

from aoai_nb import batch_results, batch_view, show, view, watch_batch
from aoai_nb.display._batch import BatchView

from .helpers import chat_line, jsonl, run, upload


@pytest.fixture(scope="module")
def finished(emulator: Any) -> tuple[openai.OpenAI, Any]:
    client = openai.OpenAI(base_url=f"{emulator.url}/openai/v1/", api_key=emulator.api_key, max_retries=0)
    lines = [chat_line(f"row-{i}", f"Describe <b>item</b> {i}") for i in range(3)] + [
        chat_line("too-hot", temperature=7),
        "not json",
    ]
    return client, run(client, lines)


def test_show_batch_gives_status_counts_and_progress(finished: tuple[openai.OpenAI, Any]) -> None:
    _, batch = finished
    shown = view(batch)
    assert isinstance(shown, BatchView)
    text = shown.to_text()
    assert "completed: 3 completed, 2 failed of 5 requests (100%)" in text
    assert "[####################]" in text and batch.id in text and batch.output_file_id in text
    assert "completed: 3 completed" in shown.to_html() and "width:100%" in shown.to_html()
    out = io.StringIO()
    show(batch, out=out, env="plain")
    assert out.getvalue().strip() == text


def test_results_table_from_the_output_and_error_files(finished: tuple[openai.OpenAI, Any]) -> None:
    client, batch = finished
    output = client.files.content(batch.output_file_id)
    shown = batch_view(batch, output)
    text = shown.to_text()
    for i in range(3):
        assert f"row-{i}" in text
    assert "stop" in text
    assert "<b>item</b>" not in shown.to_html()  # model text is escaped
    errors = view(client.files.content(batch.error_file_id))  # a downloaded result file, not audio
    assert isinstance(errors, BatchView)
    error_text = errors.to_text()
    assert "too-hot" in error_text and "400" in error_text and "invalid_json_line" in error_text


def test_batch_results_dataframe_joins_back_to_the_input(finished: tuple[openai.OpenAI, Any]) -> None:
    client, batch = finished
    results = batch_results(client, batch.id)
    assert len(results) == 5
    assert set(results.columns) >= {"custom_id", "status_code", "content", "error", "total_tokens"}
    ok = results[results.status_code == 200]
    assert sorted(ok.custom_id) == ["row-0", "row-1", "row-2"]
    assert ok.content.str.contains("item").all() and (ok.total_tokens > 0).all()
    source = pd.DataFrame({"custom_id": ["row-0", "row-1", "row-2"], "question": ["a", "b", "c"]})
    joined = source.merge(results, on="custom_id", how="left")
    assert joined.content.notna().all()
    hot = results[results.custom_id == "too-hot"].iloc[0]
    assert hot.status_code == 400 and "temperature" in hot.error


def test_batch_results_refuses_an_unfinished_batch(finished: tuple[openai.OpenAI, Any]) -> None:
    client, _ = finished
    with pytest.raises(ValueError, match="watch_batch"):
        batch_results(client, {"id": "batch_x", "status": "in_progress"})


def test_failed_batch_view_lists_its_errors(finished: tuple[openai.OpenAI, Any]) -> None:
    client, _ = finished
    batch = client.batches.create(
        input_file_id=upload(client, jsonl([chat_line("a"), chat_line("a")])),
        endpoint="/v1/chat/completions",
        completion_window="24h",
    )
    done = watch_batch(client, batch.id, env="plain", out=io.StringIO(), sleep=lambda s: None)
    text = view(done).to_text()
    assert done.status == "failed" and "duplicate_custom_id" in text and "failed" in text


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def start(self, shown: Any) -> None:
        self.events.append(("start", shown.summary()))

    def write(self, delta: str) -> None:
        pass

    def update(self, shown: Any) -> None:
        self.events.append(("update", shown.summary()))

    def finish(self, shown: Any) -> None:
        pass


class _Scripted:
    """A client whose batch moves through the given statuses, one per retrieve."""

    def __init__(self, states: list[tuple[str, int, int]]) -> None:
        self.states = states
        self.calls = 0
        self.batches = self

    def retrieve(self, batch_id: str) -> Any:
        status, completed, total = self.states[min(self.calls, len(self.states) - 1)]
        self.calls += 1
        data = {"id": batch_id, "object": "batch", "status": status}
        data["request_counts"] = {"total": total, "completed": completed, "failed": 0}
        return openai.types.Batch.model_validate(
            {
                **data,
                "completion_window": "24h",
                "created_at": 0,
                "endpoint": "/v1/chat/completions",
                "input_file_id": "f",
            }
        )


STATES = [
    ("validating", 0, 0),
    ("in_progress", 1, 4),
    ("in_progress", 3, 4),
    ("finalizing", 4, 4),
    ("completed", 4, 4),
]


def test_watch_batch_updates_one_output_in_place() -> None:
    recorder, waits = _Recorder(), []
    done = watch_batch(_Scripted(STATES), "batch_1", env="notebook", sink=recorder, sleep=waits.append)
    assert done.status == "completed"
    assert recorder.events[0][0] == "start" and [e[0] for e in recorder.events[1:]] == ["update"] * 5
    assert recorder.events[2][1] == "in_progress: 1 completed, 0 failed of 4 requests (25%)"
    assert waits == [0.5, 1.0, 2.0, 4.0]  # doubling, up to max_poll_s


def test_watch_batch_prints_a_line_per_change_in_a_terminal() -> None:
    out = io.StringIO()
    states = [STATES[0], STATES[1], STATES[1], STATES[4]]
    watch_batch(_Scripted(states), "batch_1", env="plain", out=out, sleep=lambda s: None, max_poll_s=1)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3  # the repeated in_progress state prints once
    assert lines[-1].endswith("batch_1: completed: 4 completed, 0 failed of 4 requests (100%)")


def test_watch_batch_stops_watching_after_the_timeout() -> None:
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    out = io.StringIO()
    running = _Scripted([STATES[1]])
    last = watch_batch(
        running, "batch_1", env="plain", out=out, timeout=10, sleep=sleep, clock=lambda: now[0]
    )
    assert last.status == "in_progress" and now[0] <= 10
    assert "call watch_batch again" in out.getvalue()
