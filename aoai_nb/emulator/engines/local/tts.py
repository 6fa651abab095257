"""Text to speech with Piper and the en_US "joe" medium voice (one US English speaker, 22.05 kHz, CC0).

Every OpenAI voice name is accepted and spoken by the same speaker: the voice names only vary Piper's noise
settings a little (how lively the delivery is), so they sound alike, not like different people. ``speed`` maps
to Piper's ``length_scale = 1 / speed``. When the request names its ``response_format``, each sentence Piper
speaks is resampled to 24 kHz and encoded in a second thread while Piper speaks the next one (encoding mp3 costs
about a third of Piper's own time; overlapped, only the last sentence's encoding adds to the request's time).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.audio import SpeechEncoder
from aoai_nb.emulator.engines.base import (
    VOICES,
    EngineInputError,
    EngineUnavailable,
    SpeechRequest,
    SpeechResult,
)
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, verify_weights

SPEECH_MODEL_NAME = "local:piper-joe-medium"

# OpenAI voice (one of VOICES) -> (noise_scale, noise_w_scale); the voice's own defaults are (0.667, 0.8).
_NOISE: dict[str, tuple[float, float]] = {
    "alloy": (0.667, 0.8), "ash": (0.6, 0.7), "ballad": (0.75, 0.9), "coral": (0.7, 0.85),
    "echo": (0.55, 0.65), "fable": (0.8, 1.0), "nova": (0.667, 0.9), "onyx": (0.5, 0.6),
    "sage": (0.6, 0.8), "shimmer": (0.75, 0.7), "verse": (0.7, 1.0),
    "marin": (0.65, 0.75), "cedar": (0.58, 0.72),  # gpt-4o-mini-tts's newer voices
}  # fmt: skip


class LocalSpeechEngine:
    instant = False  # real model work: the HTTP layer runs it in a worker thread
    name = SPEECH_MODEL_NAME

    def __init__(self) -> None:
        self._voice: Any = None
        self._load_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(2)

    def _load(self) -> Any:
        with self._load_lock:
            if self._voice is None:
                paths = verify_weights("speech")
                try:
                    import onnxruntime
                    from piper import PiperVoice
                    from piper.config import PiperConfig
                except ImportError as exc:
                    raise EngineUnavailable(
                        f"piper-tts is not installed. Install: {INSTALL_COMMAND}."
                    ) from exc
                # PiperVoice.load with one change: onnxruntime's threads do not spin between operators, so
                # the cores go to the encoder thread and to other models (docs/local-models.md, speech cost)
                options = onnxruntime.SessionOptions()
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                config = json.loads(paths["data/en_US-joe-medium.onnx.json"].read_text(encoding="utf-8"))
                session = onnxruntime.InferenceSession(
                    str(paths["data/en_US-joe-medium.onnx"]),
                    sess_options=options,
                    providers=["CPUExecutionProvider"],
                )
                self._voice = PiperVoice(config=PiperConfig.from_dict(config), session=session)
            return self._voice

    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        if request.voice not in VOICES:
            raise EngineInputError(
                f"Unknown voice {request.voice!r}: use one of {', '.join(VOICES)}.", "voice"
            )
        if not 0.25 <= request.speed <= 4.0:
            raise EngineInputError(f"speed must be between 0.25 and 4.0, got {request.speed}.", "speed")
        if not request.text.strip():
            raise EngineInputError("input is empty: give the text to speak.", "input")
        from piper import SynthesisConfig

        voice = self._load()
        noise_scale, noise_w_scale = _NOISE.get(request.voice, (0.667, 0.8))
        config = SynthesisConfig(
            length_scale=1.0 / request.speed, noise_scale=noise_scale, noise_w_scale=noise_w_scale
        )
        rate = int(voice.config.sample_rate)
        encoder = SpeechEncoder(rate, request.response_format) if request.response_format else None
        with self._slots:
            sentences = (
                chunk.audio_int16_array for chunk in voice.synthesize(request.text, syn_config=config)
            )
            chunks = list(sentences) if encoder is None else _encoding_meanwhile(sentences, encoder)
        samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
        encoded = encoder.finish() if encoder is not None else None
        return SpeechResult(samples=samples, sample_rate=rate, encoded=encoded)


def _encoding_meanwhile(
    sentences: Iterable[npt.NDArray[np.int16]], encoder: SpeechEncoder
) -> list[npt.NDArray[np.int16]]:
    """Each sentence's samples, fed to ``encoder`` in order by one worker thread while the next is spoken
    (onnxruntime releases the GIL while it computes); an error on either side raises here."""
    chunks: list[npt.NDArray[np.int16]] = []
    fed: list[Future[None]] = []
    with ThreadPoolExecutor(1, thread_name_prefix="aoai-nb-speech-encode") as worker:
        for samples in sentences:
            chunks.append(samples)
            fed.append(worker.submit(encoder.feed, samples))
        for done in fed:
            done.result()
    return chunks
