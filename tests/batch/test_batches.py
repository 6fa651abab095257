"""The Batch API through the SDK: the lifecycle, output and error files, validation failures, cancel, lists."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import openai
import pytest

from aoai_nb.emulator import EmulatorConfig

from .helpers import CHAT, chat_line, jsonl, records, run, upload, wait


@pytest.fixture(params=["v1", "classic"])
def batch_client(
    request: pytest.FixtureRequest, v1: openai.OpenAI, client: openai.AzureOpenAI
) -> openai.OpenAI:
    return v1 if request.param == "v1" else client


def test_lifecycle_writes_every_line_in_the_service_format(batch_client: openai.OpenAI) -> None:
    lines = [chat_line(f"task-{i}", f"Question {i}") for i in range(5)]
    batch = run(batch_client, lines, metadata={"team": "workshop"})
    assert batch.status == "completed"
    assert batch.id.startswith("batch_") and uuid.UUID(batch.id.removeprefix("batch_"))
    assert (batch.endpoint, batch.completion_window, batch.metadata) == (
        "/v1/chat/completions",
        "24h",
        {"team": "workshop"},
    )
    assert batch.request_counts is not None
    assert batch.request_counts.model_dump() == {"total": 5, "completed": 5, "failed": 0}
    assert batch.errors is None
    stamps = [batch.created_at, batch.in_progress_at, batch.finalizing_at, batch.completed_at]
    assert all(isinstance(s, int) for s in stamps) and stamps == sorted(stamps)  # type: ignore[type-var]
    assert batch.expires_at == batch.created_at + 24 * 3600
    assert (batch.failed_at, batch.cancelled_at, batch.cancelling_at) == (None, None, None)
    output = records(batch_client, batch.output_file_id)
    assert sorted(r["custom_id"] for r in output) == [f"task-{i}" for i in range(5)]
    for record in output:
        assert set(record) == {"custom_id", "response", "error"} and record["error"] is None
        response = record["response"]
        assert set(response) == {"body", "request_id", "status_code"}
        assert response["status_code"] == 200 and uuid.UUID(response["request_id"])
        body = response["body"]
        assert body["object"] == "chat.completion" and body["usage"]["total_tokens"] > 0
        assert body["prompt_filter_results"][0]["content_filter_results"]["hate"]["filtered"] is False
        number = record["custom_id"].removeprefix("task-")
        assert f"Question {number}" in body["choices"][0]["message"]["content"]  # each line's own answer
    assert batch_client.files.content(batch.error_file_id or "").content == b""  # present, zero bytes
    output_file = batch_client.files.retrieve(batch.output_file_id or "")
    assert output_file.purpose == "batch_output"


def test_malformed_and_refused_lines_go_to_the_error_file(v1: openai.OpenAI) -> None:
    lines: list[Any] = [
        chat_line("ok-1"),
        "{not json",
        '["a", "list"]',
        {"method": "POST", "url": "/v1/chat/completions", "body": {"model": CHAT}},  # no custom_id
        {**chat_line("get"), "method": "GET"},
        chat_line("hot", temperature=5),
        chat_line("streamed", stream=True),
        chat_line("ok-2"),
    ]
    batch = run(v1, lines)
    assert batch.status == "completed"
    assert batch.request_counts is not None
    assert batch.request_counts.model_dump() == {"total": 8, "completed": 2, "failed": 6}
    assert sorted(r["custom_id"] for r in records(v1, batch.output_file_id)) == ["ok-1", "ok-2"]
    errors = {
        r["custom_id"] or f"line {r['error']['message'].split()[1]}": r
        for r in records(v1, batch.error_file_id)
    }
    assert set(errors) == {"line 2", "line 3", "line 4", "get", "hot", "streamed"}
    assert errors["line 2"]["response"] is None and errors["line 2"]["error"]["code"] == "invalid_json_line"
    assert errors["line 3"]["error"]["code"] == "invalid_json_line"
    assert errors["line 4"]["error"]["code"] == "invalid_request"
    assert "custom_id" in errors["line 4"]["error"]["message"]
    assert errors["get"]["error"]["code"] == "invalid_request"
    hot = errors["hot"]
    assert hot["error"] is None and hot["response"]["status_code"] == 400
    assert hot["response"]["body"]["error"]["param"] == "temperature"  # the chat route's own validation
    assert errors["streamed"]["response"]["body"]["error"]["param"] == "stream"


def test_300_lines_complete_with_every_custom_id_accounted_for(v1: openai.OpenAI) -> None:
    lines = [chat_line(f"row-{i}", f"Summarise item {i}", max_tokens=8) for i in range(300)]
    lines[150] = "garbage line"
    batch = run(v1, lines)
    assert batch.status == "completed"
    assert batch.request_counts is not None
    assert batch.request_counts.model_dump() == {"total": 300, "completed": 299, "failed": 1}
    output_ids = [r["custom_id"] for r in records(v1, batch.output_file_id)]
    assert len(output_ids) == len(set(output_ids)) == 299
    assert set(output_ids) == {f"row-{i}" for i in range(300)} - {"row-150"}
    (error,) = records(v1, batch.error_file_id)
    assert "Line 151" in error["error"]["message"]


def _failed(client: openai.OpenAI, data: bytes, **create: Any) -> list[dict[str, Any]]:
    batch = client.batches.create(
        input_file_id=upload(client, data), endpoint="/v1/chat/completions", completion_window="24h", **create
    )
    done = wait(client, batch.id)
    assert done.status == "failed" and isinstance(done.failed_at, int)
    assert done.output_file_id is None and done.errors is not None and done.errors.object == "list"
    return [e.model_dump() for e in done.errors.data or []]


@pytest.mark.parametrize(
    ("data", "code", "line"),
    [
        (b"\n\n", "empty_file", None),
        (jsonl([chat_line("a"), chat_line("a")]), "duplicate_custom_id", 2),
        (jsonl([chat_line("a"), chat_line("b", model="other-deployment")]), "model_mismatch", 2),
        (jsonl([chat_line("a", model="no-such-deployment")]), "model_not_found", 1),
        (b"\xef\xbb\xbf" + jsonl([chat_line("a")]), "model_not_found", None),
        (b"not json at all\n", "model_not_found", None),
        (jsonl([chat_line("a"), {**chat_line("b"), "url": "/v1/responses"}]), "url_mismatch", 2),
        (jsonl([{**chat_line("a"), "url": "/v1/embeddings"}]), "invalid_request", 1),
    ],
)
def test_a_file_that_does_not_validate_fails_the_batch(
    v1: openai.OpenAI, data: bytes, code: str, line: int | None
) -> None:
    (error,) = _failed(v1, data)
    assert error["code"] == code and error["line"] == line
    assert error["message"]


def test_empty_file_message_is_azures(v1: openai.OpenAI) -> None:
    (error,) = _failed(v1, b"")
    assert error["message"] == (
        "The input file is empty. Please ensure that the batch contains at least one request."
    )


def test_completion_window_other_than_24h_fails_the_batch(v1: openai.OpenAI) -> None:
    batch = v1.batches.create(
        input_file_id=upload(v1, jsonl([chat_line("a")])),
        endpoint="/v1/chat/completions",
        completion_window="48h",  # type: ignore[arg-type]
    )
    done = wait(v1, batch.id)
    assert done.status == "failed"
    assert done.errors is not None and done.errors.data is not None
    assert done.errors.data[0].param == "completion_window"


def test_too_many_lines_fails_the_batch(make_emulator: Any) -> None:
    emu = make_emulator(config=EmulatorConfig.default().with_changes(max_batch_lines=3))
    with openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0) as small:
        (error,) = _failed(small, jsonl([chat_line(f"t{i}") for i in range(4)]))
        assert error["code"] == "too_many_tasks" and "at most 3" in error["message"]
        assert run(small, [chat_line(f"t{i}") for i in range(3)]).status == "completed"


@pytest.mark.parametrize(
    ("changes", "status", "param"),
    [
        ({"endpoint": "/v1/embeddings"}, 400, "endpoint"),
        ({"endpoint": "/v1/nothing"}, 400, "endpoint"),
        ({"input_file_id": "file-00000000000000000000000000000000"}, 404, None),
        ({"completion_window": 24}, 400, "completion_window"),
        ({"metadata": {"k": 1}}, 400, "metadata"),
        ({"output_expires_after": {"anchor": "created_at", "seconds": 60}}, 400, "output_expires_after"),
        ({"priority": "high"}, 400, "priority"),
    ],
)
def test_bad_create_requests_are_refused(
    raw: Any, changes: dict[str, Any], status: int, param: str | None
) -> None:
    file_id = raw.post(
        "/openai/v1/files", files={"file": ("a.jsonl", jsonl([chat_line("a")]))}, data={"purpose": "batch"}
    )
    body = {
        "input_file_id": file_id.json()["id"],
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    answer = raw.post("/openai/v1/batches", json={**body, **changes})
    assert answer.status_code == status, answer.text
    assert answer.json()["error"].get("param") == param


def test_an_output_file_cannot_be_a_batch_input(v1: openai.OpenAI) -> None:
    done = run(v1, [chat_line("a")])
    with pytest.raises(openai.BadRequestError) as caught:
        v1.batches.create(
            input_file_id=done.output_file_id or "", endpoint="/v1/chat/completions", completion_window="24h"
        )
    assert "purpose 'batch'" in caught.value.body["message"]  # type: ignore[index]


def test_classic_batches_need_a_batch_api_version(raw: Any) -> None:
    assert raw.get("/openai/batches", params={"api-version": "2024-06-01"}).status_code == 404
    assert raw.get("/openai/batches", params={"api-version": "2024-07-01-preview"}).status_code == 200
    assert raw.get("/openai/batches").status_code == 404


def test_retrieve_unknown_batch_is_404(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.NotFoundError):
        v1.batches.retrieve("batch_00000000-0000-0000-0000-000000000000")


def test_list_pages_newest_first(v1: openai.OpenAI) -> None:
    ids = [run(v1, [chat_line("a")]).id for _ in range(3)]
    page = v1.batches.list(limit=2)
    assert [b.id for b in page.data] == ids[:0:-1]
    assert page.has_more is True
    rest = v1.batches.list(limit=2, after=ids[1])
    assert rest.data[0].id == ids[0]
    listed = [b.id for b in v1.batches.list(limit=1)]  # the SDK follows every page
    assert listed.index(ids[2]) < listed.index(ids[1]) < listed.index(ids[0])


def test_cancel_keeps_partial_results(v1: openai.OpenAI) -> None:
    lines = [chat_line(f"slow-{i}") for i in range(40)]
    batch = v1.batches.create(
        input_file_id=upload(v1, jsonl(lines)),
        endpoint="/v1/chat/completions",
        completion_window="24h",
        extra_headers={"x-aoai-nb-latency-ms": "150"},  # teaching headers apply to every line
    )
    deadline = time.monotonic() + 10
    while v1.batches.retrieve(batch.id).request_counts.completed == 0:  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.02)
    cancelling = v1.batches.cancel(batch.id)
    assert cancelling.status == "cancelling" and isinstance(cancelling.cancelling_at, int)
    done = wait(v1, batch.id)
    assert done.status == "cancelled" and isinstance(done.cancelled_at, int)
    assert done.request_counts is not None
    counts = done.request_counts
    assert counts.total == 40 and 0 < counts.completed < 40 and counts.failed == 0
    output = records(v1, done.output_file_id)
    assert len(output) == counts.completed
    assert {r["custom_id"] for r in output} <= {f"slow-{i}" for i in range(40)}
    with pytest.raises(openai.APIStatusError) as caught:
        v1.batches.cancel(batch.id)
    assert caught.value.status_code == 409


def test_teaching_headers_reach_every_line(v1: openai.OpenAI) -> None:
    lines = [chat_line(f"t{i}") for i in range(3)]
    filtered = run(v1, lines, extra_headers={"x-aoai-nb-filter": "prompt:violence=high"})
    assert filtered.request_counts is not None and filtered.request_counts.failed == 3
    for record in records(v1, filtered.error_file_id):
        assert record["response"]["status_code"] == 400
        assert record["response"]["body"]["error"]["code"] == "content_filter"
    throttled = run(v1, lines[:1], extra_headers={"x-aoai-nb-fault": "429", "x-aoai-nb-retry-after-ms": "1"})
    (record,) = records(v1, throttled.error_file_id)  # retried, then reported with the last 429
    assert record["response"]["status_code"] == 429


def test_lines_count_in_the_emulator_stats(make_emulator: Any) -> None:
    emu = make_emulator()
    with openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0) as fresh:
        run(fresh, [chat_line("a"), chat_line("b", temperature=9)])
    requests = emu.status()["requests"]
    assert requests["by_route"]["chat/completions"] == 2
    assert requests["by_status"]["400"] >= 1


def test_stopping_the_emulator_ends_a_running_batch(make_emulator: Any) -> None:
    emu = make_emulator()
    with openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0) as c:
        c.batches.create(
            input_file_id=upload(c, jsonl([chat_line(f"t{i}") for i in range(20)])),
            endpoint="/v1/chat/completions",
            completion_window="24h",
            extra_headers={"x-aoai-nb-latency-ms": "60000"},
        )
    emu.stop()
    assert not emu.running  # the server thread ended: the batch's task did not keep it alive


def test_output_expires_after_applies_to_result_files(v1: openai.OpenAI) -> None:
    done = run(v1, [chat_line("a")], output_expires_after={"anchor": "created_at", "seconds": 1_209_600})
    output = v1.files.retrieve(done.output_file_id or "")
    assert output.expires_at == output.created_at + 1_209_600
    assert json.loads(v1.files.content(done.output_file_id or "").text)["custom_id"] == "a"


def test_responses_lines_run_through_the_responses_route(batch_client: openai.OpenAI) -> None:
    lines = [
        {
            "custom_id": f"r-{i}",
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": CHAT, "input": f"Name a colour, number {i}.", "max_output_tokens": 300},
        }
        for i in range(3)
    ]
    lines.append({**lines[0], "custom_id": "bg", "body": {**lines[0]["body"], "background": True}})
    file_id = upload(batch_client, jsonl(lines))
    batch = batch_client.batches.create(
        input_file_id=file_id, endpoint="/v1/responses", completion_window="24h"
    )
    done = wait(batch_client, batch.id)
    assert done.status == "completed" and done.request_counts is not None
    assert done.request_counts.model_dump() == {"total": 4, "completed": 3, "failed": 1}
    (refused,) = records(batch_client, done.error_file_id)
    assert refused["custom_id"] == "bg" and refused["response"]["body"]["error"]["param"] == "background"
    output = records(batch_client, done.output_file_id)
    assert sorted(r["custom_id"] for r in output) == ["r-0", "r-1", "r-2"]
    for record in output:
        body = record["response"]["body"]
        assert body["object"] == "response" and body["status"] == "completed"
        assert body["output"][0]["content"][0]["text"]
        assert body["usage"]["input_tokens"] > 0


def test_direct_requests_are_served_while_a_batch_runs(v1: openai.OpenAI) -> None:
    lines = [chat_line(f"slow-{i}") for i in range(24)]
    batch = v1.batches.create(
        input_file_id=upload(v1, jsonl(lines)),
        endpoint="/v1/chat/completions",
        completion_window="24h",
        extra_headers={"x-aoai-nb-latency-ms": "600"},  # three rounds of eight lines: 1.8 s at least
    )
    reply = v1.chat.completions.create(model=CHAT, messages=[{"role": "user", "content": "Meanwhile?"}])
    assert reply.choices[0].message.content
    assert v1.batches.retrieve(batch.id).status in (
        "validating",
        "in_progress",
    )  # answered before the batch ended
    assert wait(v1, batch.id).status == "completed"
