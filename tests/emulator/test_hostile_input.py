"""Valid-looking requests built to hurt: decompression bombs, huge echoed values, non-finite numbers,
unsatisfiable schemas, a forged Host header."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import numpy as np
import openai
import pytest

from aoai_nb.emulator.audio import decode_audio, max_audio_seconds
from aoai_nb.emulator.config import EmulatorConfig
from aoai_nb.emulator.engines.base import EngineInputError

API = "api-version=2024-10-21"
CHAT = f"/openai/deployments/gpt-4o-mini/chat/completions?{API}"
HOUR = 3600


def _silent_flac(seconds: int, rate: int = 16_000, declare_length: bool = True) -> bytes:
    """``seconds`` of silence as FLAC (about 50 bytes a second); without ``declare_length`` the STREAMINFO
    block's total-samples field is zeroed ("unknown"), so only decoding can find the length."""
    import soundfile

    buffer = io.BytesIO()
    with soundfile.SoundFile(buffer, "w", rate, 1, format="FLAC", subtype="PCM_16") as out:
        minute = np.zeros(rate * 60, np.int16)
        for _ in range(seconds // 60):
            out.write(minute)
    data = bytearray(buffer.getvalue())
    if not declare_length:
        at = 4 + 4 + 10  # "fLaC", the block header, then the STREAMINFO bytes holding rate..total samples
        fields = int.from_bytes(data[at : at + 8], "big") & ~((1 << 36) - 1)
        data[at : at + 8] = fields.to_bytes(8, "big")
    return bytes(data)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return _silent_flac(HOUR)


@pytest.fixture(scope="module")
def hidden_bomb() -> bytes:
    return _silent_flac(HOUR, declare_length=False)


@pytest.fixture
def traced() -> Iterator[Callable[[], int]]:
    """Peak bytes Python and numpy allocated (every thread, the in-process server's too) since the start."""
    tracemalloc.start()
    try:
        yield lambda: tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- audio decompression bombs ------------------------------------------------------------------------------

MIB = 1024 * 1024
# An hour decoded whole is 3600 s x 16 kHz x 4 bytes = 230 MB (more with the copies on the way).
DECODE_MEMORY_BOUND = 40 * MIB  # a 60 s bound needs 3.8 MB of samples; generous


def test_a_bomb_that_declares_its_length_is_refused_before_decoding(bomb: bytes, traced: Any) -> None:
    assert len(bomb) < 1 * MIB
    with pytest.raises(EngineInputError, match=r"audio duration 3600 seconds is longer than 60 seconds"):
        decode_audio(bomb, "bomb.flac", max_seconds=60)
    assert traced() < DECODE_MEMORY_BOUND


def test_a_bomb_that_hides_its_length_is_stopped_at_the_bound(hidden_bomb: bytes, traced: Any) -> None:
    with pytest.raises(EngineInputError, match=r"longer than 60 seconds .*decoding stopped there"):
        decode_audio(hidden_bomb, "bomb.flac", max_seconds=60)
    assert traced() < DECODE_MEMORY_BOUND


def test_audio_within_the_bound_still_decodes_in_full() -> None:
    samples, duration = decode_audio(_silent_flac(120), "two-minutes.flac", max_seconds=125)
    assert duration == pytest.approx(120, abs=0.1)
    assert samples.dtype == np.float32


def test_the_duration_bound_follows_the_model() -> None:
    assert max_audio_seconds("whisper") == 1500
    assert max_audio_seconds("gpt-4o-transcribe") == 1500
    assert max_audio_seconds("gpt-4o-transcribe-diarize") == 1400
    assert max_audio_seconds("whisper", configured=60) == 60


@pytest.mark.parametrize(
    ("fixture", "deployment"),
    [("bomb", "whisper"), ("hidden_bomb", "whisper"), ("bomb", "gpt-4o-mini-transcribe")],
)
def test_the_transcription_route_answers_a_bomb_with_openais_400_under_a_memory_bound(
    make_emulator: Callable[..., Any],
    request: pytest.FixtureRequest,
    fixture: str,
    deployment: str,
    traced: Any,
) -> None:
    data = request.getfixturevalue(fixture)
    emu = make_emulator(config=EmulatorConfig.default().with_changes(max_audio_seconds=60))
    client = openai.AzureOpenAI(
        azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21", max_retries=0
    )
    with client, pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model=deployment, file=("bomb.flac", data))
    error = caught.value.body
    assert isinstance(error, dict)
    assert "which is the maximum for this model" in error["message"]
    assert error["code"] == "invalid_value" and error["type"] == "invalid_request_error"
    assert traced() < DECODE_MEMORY_BOUND + 2 * len(data) + 8 * MIB  # the upload is held a few times


# --- what errors repeat -------------------------------------------------------------------------------------

ERROR_BODY_BOUND = 4096


@pytest.mark.parametrize(
    "body",
    [
        {"messages": [{"role": "user", "content": "hi"}], "k" * 7_000_000: 1},  # an unknown 7 MB key
        {"messages": [{"role": "u" * 1_000_000, "content": "hi"}]},  # a 1 MB role
        {"messages": [{"role": "user", "content": "hi"}], "tool_choice": "x" * 1_000_000, "tools": []},
        {"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"9" * 100_000 + "x": 1}},
        {"messages": [{"role": ["a" * 10_000] * 100, "content": "hi"}]},  # a list where a role belongs
    ],
    ids=["unknown-key", "role", "tool-choice", "logit-bias", "unknown-list"],
)
def test_error_messages_repeat_a_bounded_part_of_any_value(raw: httpx2.Client, body: dict[str, Any]) -> None:
    response = raw.post(CHAT, content=json.dumps(body), headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert len(response.content) < ERROR_BODY_BOUND
    error = response.json()["error"]
    assert len(error.get("param") or "") <= 200


def test_a_huge_model_name_on_v1_gives_a_short_error(raw: httpx2.Client) -> None:
    body = {"model": "m" * 2_000_000, "messages": [{"role": "user", "content": "hi"}]}
    response = raw.post("/openai/v1/chat/completions", json=body)
    assert 400 <= response.status_code < 500
    assert len(response.content) < ERROR_BODY_BOUND


def test_a_huge_header_value_is_not_repeated_whole(raw: httpx2.Client) -> None:
    response = raw.post(CHAT, json={"messages": []}, headers={"x-aoai-nb-fault": "z" * 8000})
    assert response.status_code == 400
    assert len(response.content) < ERROR_BODY_BOUND


# --- non-finite numbers and unsatisfiable schemas -----------------------------------------------------------


def _schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


@pytest.mark.parametrize("number", ["1e999", "-1e999", "1E400"])
@pytest.mark.parametrize("where", ["temperature", "schema"])
def test_overflowing_numbers_are_invalid_json_not_infinity(
    raw: httpx2.Client, number: str, where: str
) -> None:
    marker = "__NUMBER__"  # json.dumps cannot write 1e999 itself: put the literal text in its place
    if where == "temperature":
        body: dict[str, Any] = {"messages": [{"role": "user", "content": "hi"}], "temperature": marker}
    else:
        schema = {"type": "number", "minimum": marker}
        body = {"messages": [{"role": "user", "content": "json"}], "response_format": _schema_format(schema)}
    text = json.dumps(body).replace(f'"{marker}"', number)
    response = raw.post(CHAT, content=text, headers={"content-type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_json"
    assert "finite" in error["message"] and "Infinity" not in response.text


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "number", "minimum": 5, "maximum": 1},
        {"type": "integer", "minimum": 1.2, "maximum": 1.8},
        {"type": "number", "exclusiveMinimum": 3, "maximum": 3},
        {"type": "string", "minLength": 10, "maxLength": 2},
        {"type": "array", "items": {"type": "string"}, "minItems": 4, "maxItems": 1},
        {"type": "object", "properties": {"n": {"type": "integer", "minimum": 9, "maximum": 0}}},
        {"type": "object", "properties": {"a": {}}, "required": ["a", "b"], "additionalProperties": False},
        {"enum": []},
    ],
    ids=["number", "integer", "exclusive", "string", "array", "nested", "required", "enum"],
)
def test_unsatisfiable_schemas_are_a_400_naming_the_contradiction(
    client: openai.AzureOpenAI, schema: dict[str, Any]
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "answer in json"}],
            response_format=_schema_format(schema),  # type: ignore[arg-type]
        )
    error = caught.value.body
    assert isinstance(error, dict)
    assert error["message"].startswith("Invalid schema for response_format 'answer': at #")
    assert error["param"] == "response_format"


def test_an_unsatisfiable_tool_schema_is_a_400_too(client: openai.AzureOpenAI) -> None:
    tool = {
        "type": "function",
        "function": {"name": "pick", "parameters": {"type": "integer", "minimum": 5, "maximum": 1}},
    }
    with pytest.raises(openai.BadRequestError, match="Invalid schema for function 'pick'"):
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "pick"}],
            tools=[tool],  # type: ignore[list-item]
        )


def test_tight_but_satisfiable_bounds_are_honoured(client: openai.AzureOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer", "minimum": 3, "maximum": 3},
            "x": {"type": "number", "maximum": -5.5},
            "s": {"type": "string", "minLength": 4, "maxLength": 4},
        },
        "required": ["n", "x", "s"],
    }
    reply = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "answer in json"}],
        response_format=_schema_format(schema),  # type: ignore[arg-type]
    )
    value = json.loads(reply.choices[0].message.content or "")
    assert value["n"] == 3 and value["x"] <= -5.5 and len(value["s"]) == 4


# --- the Host header --------------------------------------------------------------------------------------


def test_image_urls_ignore_a_forged_host_header(raw: httpx2.Client, emulator: Any) -> None:
    response = raw.post(
        f"/openai/deployments/dall-e-3/images/generations?{API}",
        json={"prompt": "a lighthouse"},
        headers={"host": "evil.example:666", "x-forwarded-host": "evil.example", "x-forwarded-proto": "ftp"},
    )
    assert response.status_code == 200
    url = response.json()["data"][0]["url"]
    assert url.startswith(f"{emulator.url}/aoai-nb/images/")
    assert "evil" not in response.text


def test_image_urls_use_the_configured_public_url(make_emulator: Callable[..., Any]) -> None:
    public = "https://workshop.example:8443"
    emu = make_emulator(config=EmulatorConfig.default().with_changes(public_url=public))
    with httpx2.Client(base_url=emu.url, headers={"api-key": emu.api_key}, timeout=10) as client:
        body = client.post(
            f"/openai/deployments/dall-e-3/images/generations?{API}", json={"prompt": "a lighthouse"}
        ).json()
    assert body["data"][0]["url"].startswith(f"{public}/aoai-nb/images/")
