"""The local engine set: real small models shipped inside PyPI packages (the ``[local]`` extra).

Building the set is cheap: each engine loads its model (after checking the weight files' sha256) on its first
request and keeps it. ``local_available()`` only looks for the packages, importing none of them, so the
scripted path never pays for (or needs) the extra.

| capability | engine name | model |
|---|---|---|
| chat, completions | local:smollm2-135m-instruct-q4_1 | SmolLM2-135M-Instruct Q4_1 GGUF on llama.cpp (xllamacpp) |
| embeddings | local:all-minilm-l6-v2-int8 | all-MiniLM-L6-v2 int8 ONNX (384 dimensions) |
| transcription | local:whisper-tiny.en-int8 | Whisper tiny.en (faster-whisper, English only) |
| speech | local:piper-joe-medium | Piper en_US joe medium (one voice) |
| images | procedural | placeholder art, no text-to-image model |
| moderation | local:minilm-prototypes+profanity-check | a heuristic, see moderation |
"""

from __future__ import annotations

import importlib.util

from aoai_nb.emulator.engines.base import EngineSet, EngineUnavailable
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, WEIGHTS
from aoai_nb.emulator.engines.procedural_art import ProceduralImageEngine

# import name -> what to install; runtimes first, then the packages that carry the weights
REQUIRED_MODULES: dict[str, str] = {
    "xllamacpp": "xllamacpp",
    "onnxruntime": "onnxruntime",
    "tokenizers": "tokenizers",
    "faster_whisper": "faster-whisper",
    "piper": "piper-tts",
    "profanity_check": "alt-profanity-check",
    **{w.module: w.distribution for files in WEIGHTS.values() for w in files},
}


def missing_modules() -> list[str]:
    """Distributions whose import name cannot be found (nothing is imported)."""
    return sorted(
        {dist for module, dist in REQUIRED_MODULES.items() if importlib.util.find_spec(module) is None}
    )


def local_available() -> bool:
    return not missing_modules()


def local_engine_set() -> EngineSet:
    """Every capability on a real local model (images: procedural art). Models load on first use."""
    missing = missing_modules()
    if missing:
        raise EngineUnavailable(
            f"The local engines need packages that are not installed: {', '.join(missing)}. "
            f"Install them with {INSTALL_COMMAND}, or run the emulator with --engine scripted."
        )
    from aoai_nb.emulator.engines.local.embed import LocalEmbeddingEngine
    from aoai_nb.emulator.engines.local.llm import LocalChatEngine, LocalCompletionEngine, SmolLM2Runtime
    from aoai_nb.emulator.engines.local.moderation import LocalModerationEngine
    from aoai_nb.emulator.engines.local.stt import LocalTranscriptionEngine
    from aoai_nb.emulator.engines.local.tts import LocalSpeechEngine

    runtime = SmolLM2Runtime()
    embedding = LocalEmbeddingEngine()
    return EngineSet(
        chat=LocalChatEngine(runtime),
        completion=LocalCompletionEngine(runtime),
        embedding=embedding,
        image=ProceduralImageEngine(),
        transcription=LocalTranscriptionEngine(),
        speech=LocalSpeechEngine(),
        moderation=LocalModerationEngine(embedding),
    )
