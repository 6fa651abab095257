"""The scripted engine set: deterministic, instant, labelled placeholders for every capability.

Each engine's ``name`` is ``"scripted"``. What each one does is described in docs/engines.md and in its
module: ``text`` (chat, completions), ``embeddings``, ``media`` (images,
transcription, speech). No content moderation: only header-triggered filtering applies.
"""

from __future__ import annotations

from aoai_nb.emulator.engines.base import EngineSet
from aoai_nb.emulator.engines.scripted.embeddings import ScriptedEmbeddingEngine
from aoai_nb.emulator.engines.scripted.media import (
    ScriptedImageEngine,
    ScriptedSpeechEngine,
    ScriptedTranscriptionEngine,
)
from aoai_nb.emulator.engines.scripted.text import ScriptedChatEngine, ScriptedCompletionEngine
from aoai_nb.emulator.engines.scripted.tokens import count_tokens

__all__ = [
    "ScriptedChatEngine",
    "ScriptedCompletionEngine",
    "ScriptedEmbeddingEngine",
    "ScriptedImageEngine",
    "ScriptedSpeechEngine",
    "ScriptedTranscriptionEngine",
    "count_tokens",
    "scripted_engine_set",
]


def scripted_engine_set() -> EngineSet:
    return EngineSet(
        chat=ScriptedChatEngine(),
        completion=ScriptedCompletionEngine(),
        embedding=ScriptedEmbeddingEngine(),
        image=ScriptedImageEngine(),
        transcription=ScriptedTranscriptionEngine(),
        speech=ScriptedSpeechEngine(),
        moderation=None,
    )
