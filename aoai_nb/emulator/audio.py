"""Audio in and out of the emulator: decode any upload PyAV reads, encode speech in OpenAI's six formats.

``decode_audio`` gives 16 kHz mono float32 (what speech recognisers expect); ``encode_speech`` resamples
to 24 kHz mono (what OpenAI's text-to-speech returns) and encodes mp3/opus/aac with PyAV, wav/flac with
soundfile, and pcm as raw signed 16-bit little-endian samples.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.engines.base import EngineInputError

SPEECH_RATE = 24_000
DECODE_RATE = 16_000
CONTENT_TYPES = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/pcm",
}
_AV_FORMATS = {
    "mp3": ("mp3", "libmp3lame", 64_000),
    "opus": ("ogg", "libopus", 32_000),
    "aac": ("adts", "aac", 64_000),
}


def duration_of(samples: npt.NDArray[np.generic], rate: int) -> float:
    """Seconds of audio in a mono sample array."""
    return len(samples) / rate


def resample_int16(
    samples: npt.NDArray[np.int16], rate: int, target: int = SPEECH_RATE
) -> npt.NDArray[np.int16]:
    """Mono int16 resampled to ``target`` Hz by linear interpolation (band-limited enough for speech)."""
    if rate == target or len(samples) == 0:
        return np.ascontiguousarray(samples, dtype=np.int16)
    resampler = Resampler(rate, target)
    return np.concatenate([resampler.feed(samples), resampler.finish()])


class Resampler:
    """``resample_int16`` over samples that arrive in pieces: the concatenated output of ``feed`` calls and
    ``finish`` equals ``resample_int16`` of the concatenated input, sample for sample.

    Output sample k sits at input position k * rate / target; it is emitted once the input reaches the sample
    after that position (and as long as the total cannot end up shorter than k). ``finish`` emits the rest
    (positions past the last input sample repeat it, as ``np.interp`` does).
    """

    def __init__(self, rate: int, target: int = SPEECH_RATE) -> None:
        if rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {rate}.")
        self.rate, self.target = rate, target
        self._step = rate / target
        self._kept = np.zeros(0, dtype=np.float64)  # input from index self._offset on
        self._offset = 0  # index of self._kept[0] in the whole input
        self._seen = 0  # input samples so far
        self._emitted = 0  # output samples so far

    def feed(self, samples: npt.NDArray[np.int16]) -> npt.NDArray[np.int16]:
        piece = np.asarray(samples, dtype=np.int16).reshape(-1)
        if self.rate == self.target:
            self._seen += len(piece)
            return np.ascontiguousarray(piece)
        self._kept = np.concatenate([self._kept, piece.astype(np.float64)])
        self._seen += len(piece)
        # k * step <= seen - 2 (both neighbours known, with a sample to spare for float rounding) and
        # k < round(seen * target / rate) (a lower bound of the final count, which depends on the total)
        ready = min(int((self._seen - 2) / self._step) + 1, round(self._seen * self.target / self.rate))
        return self._emit(ready)

    def finish(self) -> npt.NDArray[np.int16]:
        if self.rate == self.target or self._seen == 0:
            return np.zeros(0, dtype=np.int16)
        return self._emit(max(1, round(self._seen * self.target / self.rate)))

    def _emit(self, upto: int) -> npt.NDArray[np.int16]:
        if upto <= self._emitted:
            return np.zeros(0, dtype=np.int16)
        positions = np.arange(self._emitted, upto, dtype=np.float64) * self._step
        # np.arange over integers is exact in float64: the same interpolation as over the whole input
        indices = np.arange(self._offset, self._offset + len(self._kept), dtype=np.float64)
        values = np.interp(positions, indices, self._kept)
        self._emitted = upto
        # keep from the next position's left neighbour on (one earlier, for float rounding)
        drop = min(int(upto * self._step) - 1 - self._offset, len(self._kept) - 1)
        if drop > 0:
            self._kept, self._offset = self._kept[drop:], self._offset + drop
        return np.clip(np.round(values), -32768, 32767).astype(np.int16)


def encode_speech(samples: npt.NDArray[np.int16], sample_rate: int, fmt: str) -> tuple[bytes, str]:
    """Encode mono int16 samples as ``fmt`` (mp3, opus, aac, flac, wav, pcm) at 24 kHz.

    Returns the encoded bytes and their content type.
    """
    encoder = SpeechEncoder(sample_rate, fmt)
    encoder.feed(samples)
    return encoder.finish(), CONTENT_TYPES[fmt]


def check_speech_format(fmt: str) -> None:
    """EngineInputError (a 400 naming the choices) unless ``fmt`` is one of the six speech formats."""
    if fmt not in CONTENT_TYPES:
        raise EngineInputError(
            f"Unsupported response_format {fmt!r}: use one of {', '.join(CONTENT_TYPES)}.",
            param="response_format",
        )


class SpeechEncoder:
    """Encodes mono int16 speech as ``fmt`` at 24 kHz while it arrives in pieces (a sentence at a time, as Piper
    speaks): ``feed`` each piece, then ``finish`` for the bytes, the same bytes ``encode_speech`` gives for the
    whole. mp3/opus/aac go through one PyAV container, wav/flac through one soundfile writer, pcm as raw
    little-endian samples. Not thread-safe: one thread feeds it."""

    def __init__(self, sample_rate: int, fmt: str) -> None:
        check_speech_format(fmt)
        self.fmt = fmt
        self._resampler = Resampler(sample_rate)
        self._buffer = io.BytesIO()
        self._sink: Any = None  # the soundfile writer or the PyAV (container, stream), opened on first audio
        self._written = 0  # samples at 24 kHz so far (the next frame's pts)

    def feed(self, samples: npt.NDArray[np.int16]) -> None:
        self._write(self._resampler.feed(samples))

    def finish(self) -> bytes:
        self._write(self._resampler.finish())
        if self.fmt in _AV_FORMATS:
            container, stream = self._sink or self._open_av()
            for packet in stream.encode(None):
                container.mux(packet)
            container.close()
        elif self.fmt in ("wav", "flac"):
            (self._sink or self._open_soundfile()).close()
        return self._buffer.getvalue()

    def _write(self, pcm: npt.NDArray[np.int16]) -> None:
        if len(pcm) == 0:
            return
        if self.fmt == "pcm":
            self._buffer.write(pcm.astype("<i2").tobytes())
        elif self.fmt in ("wav", "flac"):
            (self._sink or self._open_soundfile()).write(pcm)
        else:
            import av

            container, stream = self._sink or self._open_av()
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = SPEECH_RATE
            frame.pts = self._written
            for packet in stream.encode(frame):
                container.mux(packet)
        self._written += len(pcm)

    def _open_soundfile(self) -> Any:
        import soundfile

        self._sink = soundfile.SoundFile(
            self._buffer, "w", SPEECH_RATE, 1, format=self.fmt.upper(), subtype="PCM_16"
        )
        return self._sink

    def _open_av(self) -> tuple[Any, Any]:
        import av

        container_format, codec, bit_rate = _AV_FORMATS[self.fmt]
        container = av.open(self._buffer, mode="w", format=container_format)
        stream = container.add_stream(codec, rate=SPEECH_RATE, layout="mono")
        assert isinstance(stream, av.audio.stream.AudioStream)
        stream.bit_rate = bit_rate
        self._sink = (container, stream)
        return container, stream


# Longest audio a transcription model takes. Azure enforces 25 MiB per file for every model; gpt-4o-transcribe
# and gpt-4o-mini-transcribe also refuse audio over 1500 s, gpt-4o-transcribe-diarize over 1400 s (OpenAI's
# error: "audio duration 1830.5 seconds is longer than 1400 seconds which is the maximum for this model").
# Whisper publishes no duration limit; the emulator bounds it at 1500 s too (its own limit, documented), since a
# small compressed file can decode to hours of samples (a decompression bomb).
DEFAULT_MAX_AUDIO_SECONDS = 1500.0
MODEL_MAX_AUDIO_SECONDS = {"gpt-4o-transcribe-diarize": 1400.0}


def max_audio_seconds(model: str, configured: float = DEFAULT_MAX_AUDIO_SECONDS) -> float:
    """The duration bound for a deployment's ``model``: the model's own limit when lower than ``configured``."""
    for prefix, limit in MODEL_MAX_AUDIO_SECONDS.items():
        if model.startswith(prefix):
            return min(limit, configured)
    return configured


def too_long(limit: float, declared: float | None = None) -> EngineInputError:
    """OpenAI's 400 for audio over a model's duration limit (``declared``: the length the file states)."""
    length = f" {declared:g} seconds" if declared is not None else ""
    where = "" if declared is not None else " (decoding stopped there)"
    return EngineInputError(
        f"audio duration{length} is longer than {limit:g} seconds which is the maximum for this model"
        f"{where}; split the audio into shorter files.",
        param=None,
    )


def _declared_seconds(container: Any, stream: Any) -> float | None:
    """The duration a container or its audio stream declares (before any decoding), if any."""
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000  # in av.time_base units
    return None


def decode_audio(
    data: bytes, filename: str = "", max_seconds: float = DEFAULT_MAX_AUDIO_SECONDS
) -> tuple[npt.NDArray[np.float32], float]:
    """Decode an uploaded file to 16 kHz mono float32 in [-1, 1]; returns (samples, duration in seconds).

    Audio longer than ``max_seconds`` is refused (EngineInputError, a 400) from the duration the container
    declares, before decoding, and otherwise as soon as decoding passes the bound: memory stays within
    ``max_seconds`` of samples (4 bytes each at 16 kHz: 96 MB for 1500 s) whatever the file claims.
    """
    label = f" {filename!r}" if filename else ""
    if not data:
        raise EngineInputError(
            f"The audio file{label} is empty: upload a non-empty audio file.", param="file"
        )
    import av

    capacity = int(max_seconds * DECODE_RATE)
    samples = np.empty(min(capacity, 30 * DECODE_RATE), np.float32)  # grows by doubling, up to capacity
    size = 0

    def append(frame: Any) -> None:
        nonlocal samples, size
        chunk = frame.to_ndarray().reshape(-1)
        if size + len(chunk) > capacity:
            raise too_long(max_seconds)
        if size + len(chunk) > len(samples):
            grown = np.empty(min(capacity, max(2 * len(samples), size + len(chunk))), np.float32)
            grown[:size] = samples[:size]
            samples = grown
        samples[size : size + len(chunk)] = chunk
        size += len(chunk)

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise EngineInputError(f"The file{label} has no audio stream.", param="file")
            stream = container.streams.audio[0]
            declared = _declared_seconds(container, stream)
            if declared is not None and declared > max_seconds:
                raise too_long(max_seconds, round(declared, 3))
            resampler = av.AudioResampler(format="flt", layout="mono", rate=DECODE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    append(out)
            for out in resampler.resample(None):
                append(out)
    except EngineInputError:
        raise
    except (av.FFmpegError, ValueError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise EngineInputError(
            f"Could not decode the audio file{label} ({reason}). Upload mp3, mp4, mpeg, mpga, m4a, wav, webm, "
            "flac or ogg audio.",
            param="file",
        ) from exc
    if size == 0:
        raise EngineInputError(f"The audio file{label} decodes to no samples.", param="file")
    result = samples[:size]
    np.clip(result, -1.0, 1.0, out=result)
    return result, duration_of(result, DECODE_RATE)
