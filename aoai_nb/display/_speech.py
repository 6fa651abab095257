"""Speech as a view: an audio player with format and duration.

Accepts raw audio bytes, the SDK's binary response, and streamed speech (``stream_format="sse"``): the SDK
returns that as the raw ``text/event-stream`` body, whose ``speech.audio.delta`` events carry base64 audio and
whose ``speech.audio.done`` event carries the token usage. An iterable of such events (dicts or SDK objects)
works too. The player uses ``preload="metadata"`` so that the duration shows before it is played.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import wave
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import as_dict

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


def is_sse(data: bytes) -> bool:
    """Whether a body is a server-sent event stream (``data:`` / ``event:`` lines) rather than audio."""
    return data.lstrip()[:6] in (b"data: ", b"data:{", b"event:")


def sse_events(body: bytes) -> list[dict[str, Any]]:
    """The JSON ``data:`` payloads of an SSE body, in order (``[DONE]`` and comments skipped)."""
    events: list[dict[str, Any]] = []
    for block in body.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n\n"):
        payload = "\n".join(
            line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")
        )
        if not payload or payload.strip() == "[DONE]":
            continue
        try:
            event = json.loads(payload)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


@dataclass(frozen=True, repr=False)
class SpeechView(View):
    data: bytes
    request_id: str | None = None
    events: int = 0  # speech.audio.delta events the audio came in (0: not streamed)
    usage: Mapping[str, Any] | None = None  # from speech.audio.done

    @classmethod
    def from_response(cls, response: Any) -> SpeechView:
        """Raw bytes, the SDK's binary response (``client.audio.speech.create(...)``), or streamed speech."""
        if isinstance(response, bytes | bytearray | memoryview):
            data, request_id = bytes(response), None
        else:
            headers = getattr(getattr(response, "response", None), "headers", {})
            data, request_id = bytes(response.content), headers.get("x-request-id")
        if is_sse(data):
            return cls.from_events(sse_events(data), request_id=request_id)
        return cls(data, request_id=request_id)

    @classmethod
    def from_events(cls, events: Iterable[Any], *, request_id: str | None = None) -> SpeechView:
        """Join the base64 audio of ``speech.audio.delta`` events; keep the ``speech.audio.done`` usage."""
        chunks: list[bytes] = []
        usage: Mapping[str, Any] | None = None
        for event in events:
            data = as_dict(event)
            if data.get("type") == "speech.audio.delta":
                try:
                    chunks.append(base64.b64decode(str(data.get("audio") or ""), validate=False))
                except (binascii.Error, ValueError):
                    continue
            elif data.get("type") == "speech.audio.done" and isinstance(data.get("usage"), Mapping):
                usage = data["usage"]
        return cls(b"".join(chunks), request_id=request_id, events=len(chunks), usage=usage)

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
        streamed = f" · streamed in {h.plural(self.events, 'SSE audio event')}" if self.events else ""
        usage = ""
        if self.usage:
            get = self.usage.get
            usage = f" · usage: {get('input_tokens')} input + {get('output_tokens')} output = {get('total_tokens')} tokens"
        rid = f" · request id: {self.request_id}" if self.request_id else ""
        return f"{self.format}, {seconds}, {len(self.data) / 1024:.1f} kB{streamed}{usage}{rid}"

    def __repr__(self) -> str:
        return f"<SpeechView {self.format} {len(self.data)} bytes>"

    def to_text(self) -> str:
        return f"speech: {self._summary()}"

    def to_html(self) -> str:
        src = f"data:{MIME[self.format]};base64,{base64.b64encode(self.data).decode('ascii')}"
        player = (
            f'<audio controls preload="metadata" src="{h.esc(src)}"></audio>' if self.format != "pcm" else ""
        )
        return h.box(h.line(h.badge("speech"), h.esc(self._summary())), h.Raw(player))
