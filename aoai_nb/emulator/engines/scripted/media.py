"""Scripted image, transcription and speech engines: real media, honestly labelled placeholders.

- images: procedural art (``procedural_art.render_art``), not a text-to-image model;
- transcription: finds speech-like (energetic) regions in the audio and reports them; recognises no words;
- speech: one short tone per word (pitch from the voice and the word), not speech.
"""

from __future__ import annotations

import re
import zlib

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.audio import DECODE_RATE, decode_audio
from aoai_nb.emulator.engines.base import (
    Segment,
    SpeechRequest,
    SpeechResult,
    Transcript,
    TranscriptionRequest,
    Word,
)
from aoai_nb.emulator.engines.procedural_art import ProceduralImageEngine
from aoai_nb.emulator.engines.scripted.tokens import split_tokens, stable_hash

FRAME_SECONDS = 0.02
MERGE_GAP_SECONDS = 0.3
MIN_REGION_SECONDS = 0.1
SPEECH_RATE = 24_000
VOICE_PITCH_HZ = dict(
    alloy=220.0, ash=165.0, ballad=196.0, coral=262.0, echo=175.0, fable=247.0,
    onyx=131.0, nova=294.0, sage=233.0, shimmer=330.0, verse=208.0,
)  # fmt: skip
_PENTATONIC = (0, 2, 4, 7, 9, 12)
_LANGUAGES = dict(
    en="english", fr="french", de="german", es="spanish", it="italian", pt="portuguese", nl="dutch",
    ja="japanese", zh="chinese", ko="korean", ru="russian", pl="polish", sv="swedish", tr="turkish",
    ar="arabic", hi="hindi",
)  # fmt: skip


class ScriptedImageEngine(ProceduralImageEngine):
    """The procedural placeholder art, named ``scripted``."""

    def __init__(self) -> None:
        super().__init__("scripted")


def voiced_regions(samples: npt.NDArray[np.float32], rate: int) -> list[tuple[float, float]]:
    """(start, end) seconds of regions whose short-time energy stands out from the quietest frames.

    Frames are 20 ms; a frame is voiced when its RMS level is above -45 dBFS and above the lower of (the
    10th-percentile level + 12 dB) and (the 90th-percentile level - 20 dB), so audio with no pauses counts too. Voiced runs closer than 0.3 s merge; runs shorter than 0.1 s are dropped.
    """
    hop = max(1, int(rate * FRAME_SECONDS))
    count = len(samples) // hop
    if count == 0:
        return []
    frames = samples[: count * hop].reshape(count, hop).astype(np.float64)
    level = 20 * np.log10(np.sqrt(np.mean(frames**2, axis=1)) + 1e-9)
    quiet, loud = np.percentile(level, [10, 90])
    threshold = max(-45.0, min(float(quiet) + 12.0, float(loud) - 20.0))
    voiced = level > threshold
    regions: list[list[int]] = []
    for index in np.flatnonzero(voiced):
        if regions and index - regions[-1][1] <= MERGE_GAP_SECONDS / FRAME_SECONDS:
            regions[-1][1] = int(index) + 1
        else:
            regions.append([int(index), int(index) + 1])
    seconds = [(start * hop / rate, min(end * hop, len(samples)) / rate) for start, end in regions]
    return [(round(s, 2), round(e, 2)) for s, e in seconds if e - s >= MIN_REGION_SECONDS]


def language_name(code: str | None) -> str:
    """Whisper's full language name for an ISO-639-1 code (or a full name); "english" when unknown."""
    value = (code or "en").strip().lower()
    return value if value in _LANGUAGES.values() else _LANGUAGES.get(value, "english")


class ScriptedTranscriptionEngine:
    instant = False  # run in a worker thread
    name = "scripted"

    def transcribe(self, request: TranscriptionRequest) -> Transcript:
        samples, duration = decode_audio(request.audio, request.filename, request.max_seconds)
        regions = voiced_regions(samples, DECODE_RATE)
        action = "translation" if request.translate else "transcription"
        note = "; translation to English was requested" if request.translate else ""
        language = "english" if request.translate else language_name(request.language)
        texts = [
            f"[scripted {action}: speech-like audio {start:.1f}-{end:.1f} s{note}; "
            "the scripted engine does not recognise words]"
            for start, end in regions
        ]
        no_speech = 0.05
        if not regions:
            regions, no_speech = [(0.0, round(duration, 2))], 0.95
            texts = [f"[scripted {action}: no speech-like audio found in {duration:.1f} s{note}]"]
        segments, words = [], []
        for index, ((start, end), text) in enumerate(zip(regions, texts, strict=True)):
            segments.append(_segment(index, start, end, text, request.temperature, no_speech))
            words.extend(_spread_words(text, start, end))
        return Transcript(
            text=" ".join(texts),
            language=language,
            duration=duration,
            segments=tuple(segments),
            words=tuple(words) if request.word_timestamps else (),
        )


def _segment(
    index: int, start: float, end: float, text: str, temperature: float, no_speech: float
) -> Segment:
    encoded = text.encode()
    return Segment(
        id=index,
        start=start,
        end=end,
        text=" " + text,
        tokens=tuple(50364 + stable_hash("token", piece) % 50000 for piece in split_tokens(text)),
        temperature=temperature,
        avg_logprob=-0.25,
        compression_ratio=round(len(encoded) / len(zlib.compress(encoded)), 4),
        no_speech_prob=no_speech,
    )


def _spread_words(text: str, start: float, end: float) -> list[Word]:
    pieces = text.split()
    step = (end - start) / max(len(pieces), 1)
    return [
        Word(word=f" {piece}", start=round(start + k * step, 3), end=round(start + (k + 1) * step, 3))
        for k, piece in enumerate(pieces)
    ]


class ScriptedSpeechEngine:
    instant = False  # run in a worker thread
    name = "scripted"

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        """One tone per word (~0.15-0.4 s), a short gap between words and a longer one after punctuation."""
        speed = min(max(request.speed, 0.25), 4.0)
        base = VOICE_PITCH_HZ.get(request.voice, 150.0 + stable_hash("voice", request.voice) % 150)
        parts: list[npt.NDArray[np.float32]] = []
        for word, punctuation in re.findall(r"(\w[\w'-]*)([^\w\s]*)", request.text):
            seconds = min(0.12 + 0.035 * len(word), 0.4) / speed
            step = _PENTATONIC[stable_hash("pitch", word.lower()) % len(_PENTATONIC)]
            parts.append(_tone(base * 2 ** (step / 12), seconds))
            pause = 0.28 if punctuation.strip("'\"") else 0.07
            parts.append(np.zeros(int(SPEECH_RATE * pause / speed), np.float32))
        audio = np.concatenate(parts) if parts else np.zeros(int(SPEECH_RATE * 0.2), np.float32)
        return SpeechResult(samples=(audio * 32767).astype(np.int16), sample_rate=SPEECH_RATE)


def _tone(frequency: float, seconds: float) -> npt.NDArray[np.float32]:
    t = np.arange(int(SPEECH_RATE * seconds), dtype=np.float64) / SPEECH_RATE
    wave = 0.7 * np.sin(2 * np.pi * frequency * t) + 0.2 * np.sin(4 * np.pi * frequency * t)
    wave += 0.1 * np.sin(6 * np.pi * frequency * t)
    ramp = min(len(t) // 2, int(SPEECH_RATE * 0.015))
    envelope = np.ones(len(t))
    if ramp:
        envelope[:ramp] = np.linspace(0, 1, ramp)
        envelope[-ramp:] = np.linspace(1, 0, ramp)
    return (0.35 * wave * envelope).astype(np.float32)
