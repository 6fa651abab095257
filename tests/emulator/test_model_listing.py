"""GET /openai/models lists the catalog with the service's fields; retired models' 410; ada-002's rule."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.models import load_catalog
from tests.fixtures import sdk_client

V = {"api-version": "2024-10-21"}
U = [{"role": "user", "content": "hi"}]


def _unix(day: date) -> int:
    return calendar.timegm(day.timetuple())


def test_classic_list_has_every_catalog_model_with_lifecycle_fields(raw: httpx2.Client) -> None:
    body = raw.get("/openai/models", params=V).json()
    assert body["object"] == "list"
    by_id = {m["id"]: m for m in body["data"]}
    assert len(by_id) == len(load_catalog())
    mini = by_id["gpt-5-mini-2025-08-07"]
    assert mini == {
        "id": "gpt-5-mini-2025-08-07",
        "object": "model",
        "created_at": _unix(date(2025, 8, 7)),
        "status": "succeeded",
        "capabilities": {
            "fine_tune": False,
            "inference": True,
            "completion": False,
            "chat_completion": True,
            "embeddings": False,
        },
        "lifecycle_status": "generally-available",
        "deprecation": {"inference": _unix(date(2027, 2, 9))},
    }
    assert by_id["tts-001"]["lifecycle_status"] == "preview"
    assert by_id["text-embedding-3-small-1"]["capabilities"]["embeddings"] is True
    assert by_id["gpt-35-turbo-instruct-0914"]["capabilities"]["completion"] is True
    assert by_id["dall-e-3-3.0"]["deprecation"]["inference"] == _unix(date(2026, 3, 4))


def test_sdk_lists_and_retrieves_by_name_or_id(client: openai.AzureOpenAI, v1: openai.OpenAI) -> None:
    assert client.models.retrieve("gpt-4o-mini-2024-07-18").id == "gpt-4o-mini-2024-07-18"
    model = v1.models.retrieve("gpt-5-mini")
    assert (model.id, model.object, model.owned_by) == ("gpt-5-mini-2025-08-07", "model", "system")
    assert model.created == _unix(date(2025, 8, 7))
    with pytest.raises(openai.NotFoundError) as info:
        v1.models.retrieve("gpt-5-pro")
    assert info.value.body == {  # type: ignore[comparison-overlap]
        "message": "The model 'gpt-5-pro' does not exist; GET /openai/models lists the models.",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }


def _emulator(make_emulator: Any, tmp_path: Path, **lifecycle: Any) -> Any:
    path = tmp_path / "emu.yaml"
    deployments = [
        {"name": "dall-e-3", "capability": "images", "model": "dall-e-3"},
        {"name": "old-chat", "capability": "chat", "model": "o3-mini-2025-01-31"},
        {"name": "whisper", "capability": "transcription", "model": "whisper"},
        {"name": "gpt-5-mini", "capability": "chat", "model": "gpt-5-mini-2025-08-07"},
    ]
    path.write_text(json.dumps({"deployments": deployments, "lifecycle": lifecycle}))
    return make_emulator(config=path)


def test_retired_models_answer_410_when_configured_gone(make_emulator: Any, tmp_path: Path) -> None:
    emu = _emulator(make_emulator, tmp_path, retired="gone", today="2026-12-01")
    with sdk_client(emu, "2024-10-21") as c:
        with pytest.raises(openai.APIStatusError) as info:
            c.images.generate(model="dall-e-3", prompt="a lighthouse")
        assert info.value.status_code == 410
        assert info.value.response.json() == {
            "error": {
                "code": "410",
                "message": "The model 'dall-e-3' (version 3.0) of deployment 'dall-e-3' was retired on 2026-03-04 "
                "and no longer serves requests. Deploy its replacement, gpt-image-1.5, instead.",
            }
        }
        with pytest.raises(openai.APIStatusError) as info:
            c.chat.completions.create(model="old-chat", messages=U)
        assert info.value.status_code == 410 and "'o3-mini'" in info.value.message
        # still serving: gpt-5-mini, and whisper (retiring 2026-12-15) with a header saying so
        assert c.chat.completions.create(model="gpt-5-mini", messages=U).choices
        raw = c.audio.transcriptions.with_raw_response.create(model="whisper", file=("a.wav", _wav()))
        assert raw.headers["x-aoai-nb-lifecycle"] == (
            "whisper 001: retiring on 2026-12-15; replacement gpt-4o-mini-transcribe"
        )


def test_retired_models_are_served_by_default_with_a_note(make_emulator: Any, tmp_path: Path) -> None:
    emu = _emulator(make_emulator, tmp_path, today="2026-12-01")
    with sdk_client(emu, "2024-10-21") as c:
        raw = c.images.with_raw_response.generate(model="dall-e-3", prompt="a lighthouse")
        assert raw.parse().data
        assert raw.headers["x-aoai-nb-lifecycle"] == (
            "dall-e-3 3.0: retired on 2026-03-04; replacement gpt-image-1.5; Azure answers 410 Gone "
            "(the emulator serves it anyway)"
        )
        soon = c.chat.completions.with_raw_response.create(model="gpt-5-mini", messages=U)
        assert soon.headers["x-aoai-nb-lifecycle"] == "gpt-5-mini 2025-08-07: retiring on 2027-02-09"
    # judged on another day, whisper is fine
    emu2 = _emulator(make_emulator, tmp_path, today="2026-01-01")
    with httpx2.Client(base_url=emu2.url, headers={"api-key": emu2.api_key}) as h:
        files = {"file": ("a.wav", _wav(), "audio/wav")}
        response = h.post("/openai/deployments/whisper/audio/transcriptions", params=V, files=files)
        assert response.status_code == 200 and "x-aoai-nb-lifecycle" not in response.headers


def _wav() -> bytes:
    import io

    import numpy as np
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(8000, dtype=np.float32), 16000, format="WAV")
    return buffer.getvalue()


def test_ada_002_refuses_dimensions(make_emulator: Any, tmp_path: Path) -> None:
    path = tmp_path / "emu.yaml"
    path.write_text("deployments: [{name: ada, capability: embeddings, model: text-embedding-ada-002}]\n")
    emu = make_emulator(config=path)
    with sdk_client(emu, "2024-10-21") as c:
        assert len(c.embeddings.create(model="ada", input="hi").data[0].embedding) == 1536
        with pytest.raises(openai.BadRequestError) as info:
            c.embeddings.create(model="ada", input="hi", dimensions=8)
        assert info.value.response.json()["error"] == {
            "message": "Unsupported parameter: 'dimensions' is not supported with this model.",
            "type": "invalid_request_error",
            "param": "dimensions",
            "code": "unsupported_parameter",
        }
