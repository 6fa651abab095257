"""Speech to text with Whisper tiny.en (CTranslate2 int8) through faster-whisper.

tiny.en knows English only. A request naming another ``language`` is refused (param ``language``) rather than
answered with a made-up transcript; a translation request returns the English transcript, which is what
translating English to English gives (speech in another language is not translated: the model cannot).
"""

from __future__ import annotations

import threading
from typing import Any

from aoai_nb.emulator.engines.base import (
    EngineInputError,
    EngineUnavailable,
    Segment,
    Transcript,
    TranscriptionRequest,
    Word,
)
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, verify_weights

TRANSCRIPTION_MODEL_NAME = "local:whisper-tiny.en-int8"
ENGLISH = ("en", "english")
THREADS = 2


class LocalTranscriptionEngine:
    instant = False  # real model work: the HTTP layer runs it in a worker thread
    name = TRANSCRIPTION_MODEL_NAME

    def __init__(self) -> None:
        self._model: Any = None
        self._load_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(2)

    def _load(self) -> Any:
        with self._load_lock:
            if self._model is None:
                paths = verify_weights("transcription")
                try:
                    from faster_whisper import WhisperModel
                except ImportError as exc:
                    raise EngineUnavailable(
                        f"faster-whisper is not installed. Install: {INSTALL_COMMAND}."
                    ) from exc
                model_dir = paths["model/model.bin"].parent
                self._model = WhisperModel(
                    str(model_dir), device="cpu", compute_type="int8", cpu_threads=THREADS
                )
            return self._model

    def transcribe(self, request: TranscriptionRequest) -> Transcript:
        language = (request.language or "en").strip().lower().replace("_", "-")
        if language.split("-")[0] not in ENGLISH:
            raise EngineInputError(
                f"The local transcription model Whisper tiny.en is English-only, so language={request.language!r} "
                "cannot be transcribed; send English audio with language='en' (or leave language out), "
                "or use Azure's whisper deployment.",
                "language",
            )
        from aoai_nb.emulator.audio import decode_audio

        samples, duration = decode_audio(request.audio, request.filename, request.max_seconds)
        model = self._load()
        temperature: float | tuple[float, ...] = (
            request.temperature
            if request.temperature > 0
            else (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # Whisper's fallback
        )
        with self._slots:
            found, _info = model.transcribe(
                samples,
                language="en",
                task="transcribe",  # tiny.en cannot translate; English in, English out
                initial_prompt=request.prompt or None,
                temperature=temperature,
                word_timestamps=request.word_timestamps,
                vad_filter=False,
            )
            raw = list(found)  # the generator does the work: consume it while holding the slot
        segments = tuple(
            Segment(
                id=i,
                start=round(float(s.start), 3),
                end=round(float(s.end), 3),
                text=s.text,
                tokens=tuple(s.tokens),
                temperature=float(s.temperature or 0.0),
                avg_logprob=float(s.avg_logprob),
                compression_ratio=float(s.compression_ratio),
                no_speech_prob=float(s.no_speech_prob),
            )
            for i, s in enumerate(raw)
        )
        words = tuple(
            Word(word=w.word.strip(), start=round(float(w.start), 3), end=round(float(w.end), 3))
            for s in raw
            for w in (s.words or [])
        )
        text = " ".join(s.text.strip() for s in raw).strip()
        return Transcript(text=text, language="english", duration=duration, segments=segments, words=words)
