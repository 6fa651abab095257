"""``stream_format: "sse"`` speech (gpt-4o-mini-tts): the encoded audio cut into ``speech.audio.delta`` events,
then ``speech.audio.done`` with usage (OAPI ``SpeechAudioDeltaEvent`` / ``SpeechAudioDoneEvent``; Azure support
for SSE speech is unconfirmed, §5.4 of azure-openai-2026.md)."""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from typing import Any

CHUNK_BYTES = 16_384  # audio bytes per delta event
AUDIO_TOKENS_PER_SECOND = 10  # usage.output_tokens: an approximation (the service's count is not published)
INSTRUCTIONS_HEADER = "x-aoai-nb-instructions"
INSTRUCTIONS_NOTE = "not applied: the emulator's speech engines have no style control"


def events(audio: bytes, text: str, instructions: str | None, seconds: float) -> Iterator[dict[str, Any]]:
    from aoai_nb.emulator.engines.scripted.tokens import count_tokens

    for start in range(0, len(audio), CHUNK_BYTES):
        chunk = audio[start : start + CHUNK_BYTES]
        yield {"type": "speech.audio.delta", "audio": base64.b64encode(chunk).decode("ascii")}
    input_tokens = count_tokens(text) + (count_tokens(instructions) if instructions else 0)
    output_tokens = math.ceil(seconds * AUDIO_TOKENS_PER_SECOND)
    yield {
        "type": "speech.audio.done",
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    }
