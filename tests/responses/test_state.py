"""Stored state: retrieve, delete, store=false, chaining, input_items pages, the bounded store, background
responses (queued -> in_progress -> completed), cancel, and resuming a background stream."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import openai
import pytest

from tests.responses.conftest import MODEL, client_for, config_with

SLOW = {"x-aoai-nb-latency-ms": "60000"}  # holds a response before its first token


def _poll(client: openai.OpenAI, response_id: str, until: set[str], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        response = client.responses.retrieve(response_id)
        if response.status in until or time.monotonic() > deadline:
            return response
        time.sleep(0.02)


def test_retrieve_then_delete_then_404(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="remember me")
    again = v1.responses.retrieve(created.id)
    assert again.model_dump() == created.model_dump()
    raw = v1.responses.with_raw_response.delete(created.id)
    assert raw.http_response.json() == {"id": created.id, "object": "response.deleted", "deleted": True}
    with pytest.raises(openai.NotFoundError) as err:
        v1.responses.retrieve(created.id)
    assert err.value.body == {
        "message": f"Response with id '{created.id}' not found. It was deleted.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError):
        v1.responses.delete(created.id)


def test_store_false_is_not_retrievable_nor_chainable(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="forget me", store=False)
    assert created.store is False and created.status == "completed"
    with pytest.raises(openai.NotFoundError):
        v1.responses.retrieve(created.id)
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input="next", previous_response_id=created.id)
    assert err.value.code == "previous_response_not_found"
    assert err.value.body["message"] == f"Previous response with id '{created.id}' not found."  # type: ignore[index]


def test_chain_carries_every_earlier_turn_but_not_instructions(v1: openai.OpenAI) -> None:
    first = v1.responses.create(model=MODEL, input="My name is Ada", instructions="Be terse")
    second = v1.responses.create(model=MODEL, input="What is my name?", previous_response_id=first.id)
    assert second.previous_response_id == first.id and second.instructions is None
    assert "3 messages (2 from the user)" in second.output_text  # user, assistant, user: no system prompt
    third = v1.responses.create(
        model=MODEL, input="And now?", previous_response_id=second.id, instructions="New rules"
    )
    assert "6 messages (3 from the user)" in third.output_text  # system + 2 turns of 2 + the new user message
    assert 'system prompt begins "New rules"' in third.output_text


def test_input_items_pages(v1: openai.OpenAI) -> None:
    texts = [f"item {i}" for i in range(5)]
    created = v1.responses.create(model=MODEL, input=[{"role": "user", "content": t} for t in texts])
    page = v1.responses.input_items.list(created.id, limit=2, order="asc")
    assert [i.content[0].text for i in page.data] == texts[:2]  # type: ignore[union-attr]
    assert page.has_more is True and page.first_id == page.data[0].id and page.last_id == page.data[1].id
    rest = v1.responses.input_items.list(created.id, limit=10, order="asc", after=page.last_id)
    assert [i.content[0].text for i in rest.data] == texts[2:] and rest.has_more is False  # type: ignore[union-attr]
    every = [i.content[0].text for i in v1.responses.input_items.list(created.id, limit=2)]  # type: ignore[union-attr]
    assert every == list(reversed(texts))  # default order desc; the SDK pages through with after=
    all_ids = [i.id for i in v1.responses.input_items.list(created.id, order="asc").data]
    assert len(set(all_ids)) == 5 and all(i.startswith("msg_") for i in all_ids)


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"order": "up"}, {"after": "msg_x"}])
def test_input_items_bad_query(raw: httpx2.Client, v1: openai.OpenAI, query: dict[str, str]) -> None:
    created = v1.responses.create(model=MODEL, input="x")
    response = raw.get(f"/openai/v1/responses/{created.id}/input_items", params=query)
    assert response.status_code == 400 and response.json()["error"]["message"]


def test_the_store_keeps_the_most_recently_used(make_emulator: Any) -> None:
    emu = make_emulator(config=config_with(stored_responses=3))
    with client_for(emu) as client:
        ids = [client.responses.create(model=MODEL, input=f"n{i}").id for i in range(3)]
        client.responses.retrieve(ids[0])  # used: now the newest
        client.responses.create(model=MODEL, input="n3")  # drops ids[1], the least recently used
        assert client.responses.retrieve(ids[0]).id == ids[0]
        assert client.responses.retrieve(ids[2]).id == ids[2]
        with pytest.raises(openai.NotFoundError) as err:
            client.responses.retrieve(ids[1])
        assert "keeps the 3 most recently used responses" in err.value.message


def test_background_goes_from_queued_to_completed(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="in the background", background=True)
    assert created.status == "queued" and created.background is True and created.output == []
    done = _poll(v1, created.id, {"completed"})
    assert done.status == "completed" and "in the background" in done.output_text
    assert done.usage is not None and done.usage.output_tokens > 0


def test_background_is_queued_until_its_latency_passes_and_can_be_cancelled(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="slow", background=True, extra_headers=SLOW)
    assert v1.responses.retrieve(created.id).status == "queued"
    cancelled = v1.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    assert v1.responses.retrieve(created.id).status == "cancelled"
    assert v1.responses.cancel(created.id).status == "cancelled"  # idempotent


def test_background_passes_through_in_progress(make_emulator: Any) -> None:
    emu = make_emulator(config=config_with(per_token_ms=20))
    with client_for(emu) as client:
        created = client.responses.create(model=MODEL, input="paced", background=True)
        running = _poll(client, created.id, {"in_progress", "completed"})
        assert running.status == "in_progress"
        assert _poll(client, created.id, {"completed"}).status == "completed"


def test_cancel_needs_a_background_response(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="sync")
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.cancel(created.id)
    assert "background=true" in err.value.message
    with pytest.raises(openai.NotFoundError):
        v1.responses.cancel("resp_missing")


def test_background_stream_and_resume(v1: openai.OpenAI) -> None:
    events = list(
        v1.responses.create(model=MODEL, input="stream in background", background=True, stream=True)
    )
    types = [e.type for e in events]
    assert types[:3] == ["response.created", "response.queued", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    response_id = events[0].response.id
    resumed = list(v1.responses.retrieve(response_id, stream=True, starting_after=5))
    assert [e.sequence_number for e in resumed] == list(range(6, len(events)))
    assert [e.type for e in resumed] == types[6:]


def test_resume_needs_background_and_stream(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="x", background=True)
    _poll(v1, created.id, {"completed"})
    with pytest.raises(openai.BadRequestError):
        list(v1.responses.retrieve(created.id, stream=True, starting_after=0))


def test_chaining_on_a_running_background_response_is_refused(v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="slow", background=True, extra_headers=SLOW)
    with pytest.raises(openai.BadRequestError) as err:
        v1.responses.create(model=MODEL, input="next", previous_response_id=created.id)
    assert err.value.param == "previous_response_id"
    v1.responses.cancel(created.id)


async def test_async_background_and_cancel(av1: openai.AsyncOpenAI) -> None:
    created = await av1.responses.create(model=MODEL, input="slow", background=True, extra_headers=SLOW)
    cancelled = await av1.responses.cancel(created.id)
    assert cancelled.status == "cancelled"
    await av1.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        await av1.responses.retrieve(created.id)


def test_classic_retrieve_and_items_need_a_preview_version(raw: httpx2.Client, v1: openai.OpenAI) -> None:
    created = v1.responses.create(model=MODEL, input="x")
    ok = raw.get(f"/openai/responses/{created.id}", params={"api-version": "2025-04-01-preview"})
    assert ok.status_code == 200 and ok.json()["id"] == created.id
    old = raw.get(f"/openai/responses/{created.id}", params={"api-version": "2024-10-21"})
    assert old.status_code == 404
    unauthorised = httpx2.get(f"{raw.base_url}/openai/v1/responses/{created.id}")
    assert unauthorised.status_code == 401
