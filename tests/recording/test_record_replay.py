"""Record through a proxy emulator in front of a second emulator over real HTTP, then replay with the upstream
stopped: identical bodies and stream events, timing within tolerance, and no key of either side in DIR."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.emulator import Emulator
from aoai_nb.emulator.recording import REPLAY_HEADER, RecordTo, ReplayFrom
from tests.audio_files import wav

API_VERSION = "2024-10-21"
PREVIEW = "2025-04-01-preview"
UPSTREAM_KEY = "upstream-key-9f1c2e7a"
PROXY_KEY = "proxy-key-4b8d0a33"
CHAT = [{"role": "user", "content": "What's the best way to train a parrot?"}]


def _wav() -> bytes:
    return wav(b"\x00\x10" * 16000)


def _client(emu: Emulator, version: str = API_VERSION) -> openai.AzureOpenAI:
    return openai.AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version=version, max_retries=0)


def _exercise(client: openai.AzureOpenAI, preview: openai.AzureOpenAI) -> dict[str, Any]:
    """Every capability once, as raw bytes (bodies) and event lists (streams)."""
    out: dict[str, Any] = {}
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=CHAT, seed=1)
    out["chat"] = raw.http_response.content
    out["chat_request_id"] = raw.headers["x-request-id"]
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=CHAT, stream=True, stream_options={"include_usage": True}
    ) as response:
        out["stream"] = [line for line in response.iter_lines() if line]
    out["embeddings"] = client.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input=["Attention is all you need"]
    ).http_response.content
    image = client.images.generate(model="dall-e-3", prompt="A rabbit eating pancakes", size="1024x1024")
    out["image_url"] = image.data[0].url
    out["transcript"] = client.audio.transcriptions.with_raw_response.create(
        model="whisper", file=("clip.wav", _wav()), response_format="json"
    ).http_response.content
    out["speech"] = preview.audio.speech.create(
        model="tts", voice="alloy", input="Testing, testing, 1, 2, 3"
    ).content
    out["responses"] = preview.responses.with_raw_response.create(
        model="gpt-4o-mini", input="Say hello to the workshop.", store=False
    ).http_response.content
    with preview.responses.with_streaming_response.create(
        model="gpt-4o-mini", input="Say hello to the workshop.", stream=True, store=False
    ) as response:
        out["responses_stream"] = [line for line in response.iter_lines() if line]
    try:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=CHAT, extra_headers={"x-aoai-nb-filter": "prompt:violence=high"}
        )
    except openai.BadRequestError as exc:
        out["filtered"] = (exc.status_code, exc.response.content)
    try:
        client.chat.completions.create(model="no-such-deployment", messages=CHAT)
    except openai.NotFoundError as exc:
        out["missing"] = (exc.status_code, exc.response.content)
    return out


@pytest.fixture
def recorded(tmp_path: Path) -> Iterator[tuple[Path, dict[str, Any], Emulator]]:
    directory = tmp_path / "cassettes"
    upstream = Emulator(engine="scripted", api_key=UPSTREAM_KEY).start()
    proxy = Emulator(
        engine="scripted", api_key=PROXY_KEY, record=RecordTo(directory, upstream.url, UPSTREAM_KEY)
    )
    proxy.start()
    try:
        with _client(proxy) as client, _client(proxy, PREVIEW) as preview:
            seen = _exercise(client, preview)
            image = httpx2.get(seen["image_url"], timeout=10)
            assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
            seen["image_bytes"] = image.content
        yield directory, seen, proxy
    finally:
        proxy.stop()
        upstream.stop()


def test_replay_gives_the_recorded_bytes_with_the_upstream_stopped(
    recorded: tuple[Path, dict[str, Any], Emulator],
) -> None:
    directory, seen, _ = recorded
    with Emulator(engine="scripted", api_key="replay-key", replay=ReplayFrom(directory, speed=0)) as replay:
        with _client(replay) as client, _client(replay, PREVIEW) as preview:
            again = _exercise(client, preview)
        image = httpx2.get(again["image_url"], timeout=10)
        status = replay.status()["recording"]
    for name in (
        "chat",
        "chat_request_id",
        "stream",
        "embeddings",
        "transcript",
        "speech",
        "responses",
        "responses_stream",
        "filtered",
        "missing",
    ):
        assert again[name] == seen[name], name
    assert again["image_url"].startswith(replay.url)  # served from the recording, not the (stopped) upstream
    assert image.content == seen["image_bytes"]
    assert status["mode"] == "replay" and status["replayed"] == 10 and status["missed"] == 0, status


def test_no_key_of_either_side_is_recorded(recorded: tuple[Path, dict[str, Any], Emulator]) -> None:
    directory, _, _ = recorded
    files = list(directory.iterdir())
    assert len([f for f in files if f.suffix == ".json"]) == 10
    for path in files:
        data = path.read_bytes()
        assert UPSTREAM_KEY.encode() not in data and PROXY_KEY.encode() not in data, path.name
        if path.suffix == ".json":
            exchange = json.loads(data)
            assert not {"api-key", "authorization"} & set(exchange["response"]["headers"])


def test_recordings_are_readable_json_with_stream_events(
    recorded: tuple[Path, dict[str, Any], Emulator],
) -> None:
    directory, _, _ = recorded
    streams = [json.loads(p.read_text()) for p in sorted(directory.glob("*.json"))]
    stream = next(e for e in streams if e["response"].get("events"))
    assert (
        stream["request"]["deployment"] == "gpt-4o-mini" and stream["request"]["api_version"] == API_VERSION
    )
    events = stream["response"]["events"]
    assert events[-1]["data"] == "data: [DONE]\n\n"
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    chat = next(
        e for e in streams if e["request"]["path"].endswith("chat/completions") and "body" in e["response"]
    )
    assert chat["response"]["body"]["object"] == "chat.completion"  # stored parsed: it diffs well
    upload = next(e for e in streams if "multipart" in (e["request"]["body"] or {}))
    assert set(upload["request"]["body"]["multipart"]["file"]) == {"sha256", "filename"}  # by hash, not bytes


def test_a_stream_replays_with_its_timing(tmp_path: Path) -> None:
    directory = tmp_path / "paced"
    with Emulator(engine="scripted", api_key=UPSTREAM_KEY) as upstream:
        upstream.set_controls(per_token_ms=20, stream_flush_ms=0)
        with Emulator(engine="scripted", record=RecordTo(directory, upstream.url, UPSTREAM_KEY)) as proxy:
            with _client(proxy) as client:
                client.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True).close()
    (recording,) = [json.loads(p.read_text()) for p in directory.glob("*.json")]
    recorded_span = recording["response"]["events"][-1]["t"]
    assert recorded_span > 0.2  # about 20 tokens at 20 ms
    timings = {}
    for speed in (1.0, 0.0):
        with Emulator(engine="scripted", replay=ReplayFrom(directory, speed=speed)) as replay:
            with _client(replay) as client:
                started = time.monotonic()
                for _ in client.chat.completions.create(model="gpt-4o-mini", messages=CHAT, stream=True):
                    pass
                timings[speed] = time.monotonic() - started
    assert timings[1.0] >= recorded_span * 0.9  # the recorded pacing, within tolerance
    assert timings[0.0] < timings[1.0]


def test_an_unrecorded_request_gets_a_named_error_or_the_engines(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    directory.mkdir()
    with Emulator(engine="scripted", replay=ReplayFrom(directory)) as replay, _client(replay) as client:
        with pytest.raises(openai.NotFoundError) as info:
            client.chat.completions.create(model="gpt-4o-mini", messages=CHAT)
        body = info.value.body
        assert isinstance(body, dict) and body["code"] == "RecordingNotFound"
        assert (
            str(directory) in body["message"]
            and "POST /openai/deployments/gpt-4o-mini/chat/completions" in body["message"]
        )
        assert info.value.request_id
    with (
        Emulator(engine="scripted", replay=ReplayFrom(directory, miss="engine")) as replay,
        _client(replay) as client,
    ):
        raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=CHAT)
        assert raw.headers["x-aoai-nb-engine"] == "scripted" and REPLAY_HEADER not in raw.headers
        assert replay.status()["recording"]["missed"] == 1


def test_replay_checks_the_emulators_own_key(tmp_path: Path) -> None:
    with Emulator(engine="scripted", replay=ReplayFrom(tmp_path)) as replay:
        answer = httpx2.post(
            f"{replay.url}/openai/v1/chat/completions", json={"model": "x", "messages": CHAT}
        )
    assert answer.status_code == 401 and answer.headers["x-request-id"]


def test_matching_ignores_key_order_and_request_ids(recorded: tuple[Path, dict[str, Any], Emulator]) -> None:
    directory, seen, _ = recorded
    body = {"seed": 1, "messages": CHAT, "model": "gpt-4o-mini"}  # keys in another order than the SDK sent
    with Emulator(engine="scripted", replay=ReplayFrom(directory, speed=0)) as replay:
        answer = httpx2.post(
            f"{replay.url}/openai/deployments/gpt-4o-mini/chat/completions?api-version={API_VERSION}",
            content=json.dumps(body),
            headers={
                "api-key": replay.api_key,
                "content-type": "application/json",
                "x-ms-client-request-id": "x",
            },
        )
    assert answer.status_code == 200 and answer.content == seen["chat"]
    assert answer.headers[REPLAY_HEADER].endswith(".json")
