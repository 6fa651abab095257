"""Speech bytes as a view: an audio player with format and duration."""

from __future__ import annotations

import base64
import io
import wave
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View

if TYPE_CHECKING:  # pragma: no cover
    pass

MIME = {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac", "opus": "audio/ogg", "ogg": "audio/ogg",
        "aac": "audio/aac", "pcm": "application/octet-stream"}  # fmt: skip


def audio_format(data: bytes) -> str:
    """Guess the container from the first bytes: mp3, wav, flac, opus/ogg, aac; ``pcm`` when unrecognised."""
    if data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        return "wav"
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"OggS"):
        return "opus" if b"OpusHead" in data[:64] else "ogg"
    if data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE6 == 0xE2):
        return "mp3"
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0:
        return "aac"
    return "pcm"


PCM_RATE = 24_000  # Azure/OpenAI "pcm": 24 kHz, 16-bit signed little-endian, mono, no header


def audio_duration(data: bytes, fmt: str) -> float | None:
    """Seconds of audio: exact for WAV (stdlib); FLAC/Ogg/MP3 through soundfile and AAC by decoding with PyAV
    when they load; ``pcm`` assumes the service's 24 kHz 16-bit mono. None when it cannot be read."""
    try:
        if fmt == "wav":
            with wave.open(io.BytesIO(data)) as w:
                return float(w.getnframes()) / float(w.getframerate())
        if fmt == "pcm":
            return len(data) / (2 * PCM_RATE)
        if fmt in ("flac", "ogg", "opus", "mp3"):
            import soundfile

            info: Any = soundfile.info(io.BytesIO(data))
            return float(info.frames) / float(info.samplerate)
        if fmt == "aac":
            import av

            container: Any = av.open(io.BytesIO(data))
            with container:
                samples = sum(frame.samples for frame in container.decode(audio=0))
                return float(samples) / float(container.streams.audio[0].sample_rate)
    except Exception:  # noqa: BLE001 - a duration we cannot read is shown as unknown, never raised
        return None
    return None


@dataclass(frozen=True, repr=False)
class SpeechView(View):
    data: bytes
    request_id: str | None = None

    @classmethod
    def from_response(cls, response: Any) -> SpeechView:
        """Raw bytes, or the SDK's binary response (``client.audio.speech.create(...)``)."""
        if isinstance(response, bytes | bytearray | memoryview):
            return cls(bytes(response))
        headers = getattr(getattr(response, "response", None), "headers", {})
        return cls(bytes(response.content), request_id=headers.get("x-request-id"))

    @property
    def format(self) -> str:
        return audio_format(self.data)

    @property
    def duration_s(self) -> float | None:
        return audio_duration(self.data, self.format)

    def _summary(self) -> str:
        duration = self.duration_s
        seconds = f"{duration:.2f} s" if duration is not None else "duration unknown"
        if self.format == "pcm" and duration is not None:
            seconds += " if 24 kHz 16-bit mono"
        rid = f" · request id: {self.request_id}" if self.request_id else ""
        return f"{self.format}, {seconds}, {len(self.data) / 1024:.1f} kB{rid}"

    def __repr__(self) -> str:
        return f"<SpeechView {self.format} {len(self.data)} bytes>"

    def to_text(self) -> str:
        return f"speech: {self._summary()}"

    def to_html(self) -> str:
        src = f"data:{MIME[self.format]};base64,{base64.b64encode(self.data).decode('ascii')}"
        player = f'<audio controls preload="none" src="{h.esc(src)}"></audio>' if self.format != "pcm" else ""
        return h.box(h.line(h.badge("speech"), h.esc(self._summary())), h.Raw(player))
