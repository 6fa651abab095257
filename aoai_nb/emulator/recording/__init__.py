"""Record against Azure once, replay offline: ``--record DIR --upstream URL`` and ``--replay DIR``.

Recording puts the emulator in front of an upstream (an Azure resource, or another emulator): clients keep using
the emulator's own key, each request is forwarded with the upstream's credentials, and every exchange is written
to ``DIR`` as one JSON file (``cassette.py``). Replaying answers matching requests from ``DIR`` with the recorded
status, headers, body and stream timing (``layer.py``). The engines serve what has no recording when asked to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

REPLAY_HEADER = "x-aoai-nb-replay"  # on replayed answers: the recording's file name

ReplayMiss = Literal["error", "engine"]


@dataclass(frozen=True)
class RecordTo:
    """Record mode: forward to ``upstream`` and write each exchange under ``directory``.

    ``api_key``: the upstream's key; None reads ``AZURE_OPENAI_API_KEY``, and with no key Microsoft Entra ID
    (``DefaultAzureCredential``) signs the forwarded requests."""

    directory: Path
    upstream: str
    api_key: str | None = field(default=None, repr=False)  # never shown


@dataclass(frozen=True)
class ReplayFrom:
    """Replay mode: answer from ``directory``; ``speed`` scales recorded delays (0: none); a request with no
    recording gets an Azure-shaped 404 (``miss="error"``) or is served by the engines (``miss="engine"``)."""

    directory: Path
    speed: float = 1.0
    miss: ReplayMiss = "error"
