"""``GET /openai/models`` entries from the model catalog, in the classic (AUTH24) and the v1 shapes.

Classic (``Model`` of the 2024-10-21 authoring spec, §1.3 of azure-openai-2026.md): ``id``, ``object``,
``created_at`` (unix seconds), ``status``, ``capabilities`` (the five required booleans), ``lifecycle_status``
(``preview`` | ``generally-available``: the spec has no other value) and ``deprecation.inference`` (the retirement
date, unix seconds; a past one means retired). v1 (``OpenAI.Model``): ``id``, ``created``, ``object``,
``owned_by``. Ids are ``<name>-<version>`` as in a real capture (``dall-e-3-3.0``); that every id has this form
is unconfirmed.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from aoai_nb.models import ModelInfo


def _unix(day: date) -> int:
    return calendar.timegm(day.timetuple())


def model_id(info: ModelInfo) -> str:
    return f"{info.name}-{info.version}"


def created_at(info: ModelInfo) -> int:
    """The version's date, or ``released`` for numbered versions (catalog tests require one of them)."""
    if info.released is not None:
        return _unix(info.released)
    return _unix(date.fromisoformat(info.version))


def classic_model(info: ModelInfo) -> dict[str, Any]:
    deprecation: dict[str, Any] = {}
    if info.retirement is not None:
        deprecation["inference"] = _unix(info.retirement)
    return {
        "id": model_id(info),
        "object": "model",
        "created_at": created_at(info),
        "status": "succeeded",
        "capabilities": {
            "fine_tune": False,
            "inference": True,
            "completion": info.has("completion"),
            "chat_completion": info.has("chat_completion"),
            "embeddings": info.has("embeddings"),
        },
        "lifecycle_status": "preview" if info.lifecycle == "preview" else "generally-available",
        "deprecation": deprecation,
    }


def v1_model(info: ModelInfo) -> dict[str, Any]:
    return {"id": model_id(info), "object": "model", "created": created_at(info), "owned_by": "system"}
