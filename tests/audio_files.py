"""Small audio uploads for tests: WAV files built from given sample frames."""

from __future__ import annotations

import io
import wave


def wav(frames: bytes, rate: int = 16000) -> bytes:
    """A mono 16-bit PCM WAV file of ``frames`` (little-endian samples) at ``rate`` Hz."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buffer.getvalue()
