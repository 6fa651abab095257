"""The Files API through the SDK: upload, list, retrieve, content, delete, expiry, purposes and limits."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from aoai_nb.emulator import EmulatorConfig

from .helpers import chat_line, jsonl, upload

DATA = jsonl([chat_line("a"), chat_line("b")])


@pytest.fixture(params=["v1", "classic"])
def files_client(
    request: pytest.FixtureRequest, v1: openai.OpenAI, client: openai.AzureOpenAI
) -> openai.OpenAI:
    return v1 if request.param == "v1" else client


def test_upload_retrieve_content_delete(files_client: openai.OpenAI, spec_v1: Any) -> None:
    created = files_client.files.create(file=("tasks.jsonl", DATA), purpose="batch")
    assert created.id.startswith("file-") and len(created.id) == len("file-") + 32
    assert (created.object, created.purpose, created.status) == ("file", "batch", "processed")
    assert (created.filename, created.bytes, created.expires_at) == ("tasks.jsonl", len(DATA), None)
    spec_v1.validate_component(created.model_dump(exclude_none=True), "AzureOpenAIFile")
    assert files_client.files.retrieve(created.id) == created
    assert files_client.files.content(created.id).content == DATA
    assert created.id in [f.id for f in files_client.files.list()]
    deleted = files_client.files.delete(created.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (created.id, True, "file")
    with pytest.raises(openai.NotFoundError) as caught:
        files_client.files.retrieve(created.id)
    assert caught.value.body["code"] == "NotFound"  # type: ignore[index]
    assert created.id in caught.value.body["message"]  # type: ignore[index]


def test_expires_after_sets_expires_at(v1: openai.OpenAI) -> None:
    created = v1.files.create(
        file=("tasks.jsonl", DATA),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 1_209_600},
    )
    assert created.expires_at == created.created_at + 1_209_600
    v1.files.delete(created.id)


@pytest.mark.parametrize("seconds", [3600, 2_592_001])
def test_expires_after_out_of_range_is_invalid_payload(v1: openai.OpenAI, seconds: int) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        v1.files.create(
            file=("tasks.jsonl", DATA),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": seconds},
        )
    assert caught.value.body["code"] == "invalidPayload"  # type: ignore[index]
    assert "1209600" in caught.value.body["message"]  # type: ignore[index]


def test_purpose_other_than_batch_is_refused(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        v1.files.create(file=("train.jsonl", DATA), purpose="fine-tune")
    body: Any = caught.value.body
    assert body["code"] == "invalidPayload"
    assert body["message"].startswith("Invalid value for purpose.")


def test_batch_file_must_be_jsonl_by_name(v1: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        v1.files.create(file=("tasks.csv", b"a,b\n"), purpose="batch")
    assert "wrong suffix" in caught.value.body["message"]  # type: ignore[index]


def test_content_that_is_not_jsonl_and_a_bom_are_accepted_at_upload(v1: openai.OpenAI) -> None:
    """The service validates lines when a batch runs, not on upload (see test_batches for what follows)."""
    for data in (b"this is not json\n", b"\xef\xbb\xbf" + DATA):
        created = v1.files.create(file=("odd.jsonl", data), purpose="batch")
        assert created.status == "processed"
        assert v1.files.content(created.id).content == data
        v1.files.delete(created.id)


def test_list_filters_by_purpose_and_pages(v1: openai.OpenAI) -> None:
    ids = [upload(v1, DATA, f"page-{i}.jsonl") for i in range(3)]
    newest_first = [f.id for f in v1.files.list(purpose="batch") if f.id in ids]
    assert newest_first == ids[::-1]
    first = v1.files.list(purpose="batch", limit=1, order="asc", after=ids[0])
    assert [f.id for f in first.data] == [ids[1]]
    assert first.has_more is True
    assert not [f for f in v1.files.list(purpose="batch_output") if f.id in ids]
    every = [f.id for f in v1.files.list(purpose="batch", limit=2, order="asc")]  # the SDK follows the pages
    assert every.index(ids[0]) < every.index(ids[1]) < every.index(ids[2])
    for file_id in ids:
        v1.files.delete(file_id)


def test_unknown_file_is_404_on_every_route(v1: openai.OpenAI) -> None:
    for call in (v1.files.retrieve, v1.files.content, v1.files.delete):
        with pytest.raises(openai.NotFoundError):
            call("file-00000000000000000000000000000000")


def test_classic_route_needs_an_api_version(raw: Any) -> None:
    assert raw.get("/openai/files").status_code == 404
    answer = raw.get("/openai/files", params={"api-version": "2024-10-21"})
    assert answer.status_code == 200 and answer.json()["object"] == "list"
    assert raw.get("/openai/files", params={"api-version": "1999-01-01"}).status_code == 400


def test_upload_without_a_key_is_401(emulator: Any) -> None:
    with openai.OpenAI(base_url=f"{emulator.url}/openai/v1/", api_key="wrong", max_retries=0) as bad:
        with pytest.raises(openai.AuthenticationError):
            bad.files.create(file=("tasks.jsonl", DATA), purpose="batch")


def test_upload_that_is_not_multipart_is_400(raw: Any) -> None:
    answer = raw.post("/openai/v1/files", json={"purpose": "batch"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_content_type"


def _limited(make_emulator: Any, **limits: int) -> openai.OpenAI:
    emu = make_emulator(config=EmulatorConfig.default().with_changes(**limits))
    return openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0)


def test_file_size_limit_is_a_413(make_emulator: Any) -> None:
    small = _limited(make_emulator, max_file_bytes=1000)
    small.files.create(file=("ok.jsonl", b"x" * 1000), purpose="batch")
    with pytest.raises(openai.APIStatusError) as caught:
        small.files.create(file=("big.jsonl", b"x" * 1001), purpose="batch")
    assert caught.value.status_code == 413
    assert caught.value.body["code"] == "RequestEntityTooLarge"  # type: ignore[index]


def test_file_count_limit_then_delete_makes_room(make_emulator: Any) -> None:
    few = _limited(make_emulator, max_files=2)
    first = upload(few, DATA)
    upload(few, DATA)
    with pytest.raises(openai.BadRequestError) as caught:
        upload(few, DATA)
    assert caught.value.body["code"] == "QuotaExceeded"  # type: ignore[index]
    few.files.delete(first)
    upload(few, DATA)


def test_total_bytes_limit(make_emulator: Any) -> None:
    tight = _limited(make_emulator, max_files_bytes=len(DATA) * 2)
    upload(tight, DATA)
    upload(tight, DATA)
    with pytest.raises(openai.BadRequestError) as caught:
        upload(tight, DATA)
    assert "MiB" in caught.value.body["message"]  # type: ignore[index]


def test_list_and_delete_bodies_match_the_v1_spec(raw: Any, spec_v1: Any) -> None:
    file_id = raw.post(
        "/openai/v1/files", files={"file": ("a.jsonl", DATA)}, data={"purpose": "batch"}
    ).json()["id"]
    listed = raw.get("/openai/v1/files").json()
    # Azure's documented sample sends "status_details": null, which the spec types as a string: drop the nulls
    listed["data"] = [{k: v for k, v in item.items() if v is not None} for item in listed["data"]]
    spec_v1.validate_response(listed, "/files", "get")
    spec_v1.validate_response(raw.delete(f"/openai/v1/files/{file_id}").json(), "/files/{file_id}", "delete")


def test_file_and_batch_limits_come_from_the_config_file(tmp_path: Any) -> None:
    path = tmp_path / "emulator.yaml"
    path.write_text(
        "limits: {max_file_bytes: 1000, max_files_bytes: 5000, max_files: 3, max_batch_lines: 7}\n"
    )
    config = EmulatorConfig.from_file(path)
    assert (config.max_file_bytes, config.max_files_bytes, config.max_files, config.max_batch_lines) == (
        1000,
        5000,
        3,
        7,
    )
    defaults = EmulatorConfig.default()
    assert (defaults.max_file_bytes, defaults.max_files, defaults.max_batch_lines) == (
        64 * 1024 * 1024,
        500,
        100_000,
    )
