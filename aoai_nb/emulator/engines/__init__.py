"""Engine sets: which implementation serves each capability.

``load_engine_set("scripted")`` is deterministic and needs no extra packages; ``"local"`` uses the real small
models of the ``[local]`` extra (each loads lazily on its first request); ``"auto"`` picks local when its packages
are importable and scripted otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from aoai_nb.emulator.engines.base import (
    ChatEngine,
    CompletionEngine,
    EmbeddingEngine,
    ImageEngine,
    ModerationEngine,
    SpeechEngine,
    TranscriptionEngine,
)

EngineKind = Literal["scripted", "local", "auto"]


@dataclass
class EngineSet:
    chat: ChatEngine
    completion: CompletionEngine
    embedding: EmbeddingEngine
    image: ImageEngine
    transcription: TranscriptionEngine
    speech: SpeechEngine
    moderation: ModerationEngine | None = None  # None: only header-triggered filtering

    def names(self) -> dict[str, str]:
        """Capability -> engine name, for the banner and the status endpoint."""
        names = {
            "chat": self.chat.name,
            "completions": self.completion.name,
            "embeddings": self.embedding.name,
            "images": self.image.name,
            "transcription": self.transcription.name,
            "speech": self.speech.name,
        }
        names["moderation"] = self.moderation.name if self.moderation else "off"
        return names


def load_engine_set(kind: EngineKind = "auto") -> EngineSet:
    from aoai_nb.emulator.engines import scripted

    if kind == "scripted":
        return scripted.scripted_engine_set()
    from aoai_nb.emulator.engines import local

    if kind == "local":
        return local.local_engine_set()  # raises EngineUnavailable naming the install command
    if kind == "auto":
        return local.local_engine_set() if local.local_available() else scripted.scripted_engine_set()
    raise ValueError(f"Unknown engine kind {kind!r}: use 'scripted', 'local' or 'auto'.")
