"""Engine interfaces: what the emulator's HTTP layer asks of a model, one protocol per capability.

The HTTP layer (``aoai_nb.emulator.routes``) turns a validated request into one of the request objects below and
calls the engine from a worker thread - or directly on the event loop when the engine declares ``instant = True``
(work of microseconds, where a thread hop would cost more). Engines know nothing about HTTP, Azure's JSON shapes or
content filtering; they only compute. Two families implement these protocols:

- ``scripted``: deterministic, dependency-free placeholders (``engines/scripted/``);
- ``local``: real small models shipped inside PyPI packages (``engines/local/``, the ``[local]`` extra).

``EngineSet`` names the engine serving each capability; ``aoai_nb.emulator.engines.load_engine_set`` builds one.

Every engine has a ``name`` (sent back in the ``x-aoai-nb-engine`` response header, e.g. ``"scripted"`` or
``"local:smollm2-135m-instruct-q4_1"``) so nobody mistakes placeholder output for a model's.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

FinishReason = Literal["stop", "length", "tool_calls", "content_filter"]


class EngineUnavailable(RuntimeError):
    """An engine cannot load (a package or weight file is missing or changed); the message names the fix."""


class EngineInputError(ValueError):
    """The engine rejects this input (e.g. audio it cannot decode). Answered as a 400 with ``param``."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@runtime_checkable
class Engine(Protocol):
    """What every engine has: a ``name`` for the engine header, and whether its calls are ``instant``."""

    name: str
    instant: bool  # True: microseconds per call, never blocks; the HTTP layer calls it on the event loop


# --- chat and legacy completions -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageInput:
    """An image part of a chat message, already decoded from its data URL (or fetched bytes)."""

    data: bytes
    media_type: str  # e.g. "image/png"


@dataclass(frozen=True)
class ChatMessage:
    role: str  # system | user | assistant | tool | developer
    content: str  # text parts joined with "\n"; "" when none
    images: tuple[ImageInput, ...] = ()
    name: str | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()  # as sent by the client (assistant turns)
    tool_call_id: str | None = None


@dataclass(frozen=True)
class SamplingParams:
    max_tokens: int | None = None  # None: engine default, bounded by its context
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    sampling: SamplingParams = field(default_factory=SamplingParams)
    tools: tuple[dict[str, Any], ...] = ()  # OpenAI tool definitions, as sent
    tool_choice: str | dict[str, Any] | None = None  # none | auto | required | {"type":"function",...}
    response_format: dict[str, Any] | None = None  # {"type": "json_object"} / {"type":"json_schema",...}
    parallel_tool_calls: bool = True  # False: at most one tool call per reply


@dataclass(frozen=True)
class CompletionRequest:
    prompt: str
    sampling: SamplingParams = field(default_factory=SamplingParams)
    suffix: str | None = None


@dataclass(frozen=True)
class TokenLogprob:
    token: str
    logprob: float
    top: tuple[tuple[str, float], ...] = ()


@dataclass(slots=True)  # one per token: not frozen, since a frozen dataclass takes 2.5x as long to build
class TextDelta:
    """A piece of generated text, yielded as soon as it exists (one token, or a few); never changed after."""

    text: str
    logprobs: tuple[TokenLogprob, ...] = ()


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # JSON text


@dataclass(frozen=True)
class Finish:
    """The last item of every generation: why it stopped and what it cost (counted by the engine's tokenizer)."""

    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    tool_calls: tuple[ToolCall, ...] = ()


Generation = Iterator[TextDelta | Finish]


class Planned:
    """A generation whose items all exist from the start (the scripted engines'): it iterates like any other
    (making a ``TextDelta`` only for a token it hands out), and hands over its texts at once: all of them to a
    collected answer while ``unread`` (``take_all``), the next ones to a stream (``take_texts``).

    ``logprobs``: one per text, or None.
    """

    def __init__(self, texts: list[str], finish: Finish, logprobs: list[TokenLogprob] | None = None) -> None:
        if logprobs is not None and len(logprobs) != len(texts):
            raise ValueError("one logprob per text")
        self._texts = texts
        self._finish = finish
        self._logprobs = logprobs
        self._next = 0  # the next text's index; len(texts) for the Finish, past it when used up
        self.unread = True

    def __iter__(self) -> Planned:
        return self

    def __next__(self) -> TextDelta | Finish:
        self.unread = False
        i = self._next
        if i > len(self._texts):
            raise StopIteration
        self._next = i + 1
        if i == len(self._texts):
            return self._finish
        return TextDelta(self._texts[i], () if self._logprobs is None else (self._logprobs[i],))

    def take_all(self) -> tuple[list[str], list[TokenLogprob], Finish]:
        """Every text, the logprobs and the Finish (only while ``unread``); the generation is used up after."""
        if not self.unread:
            raise RuntimeError("take_all() after the generation was iterated")
        self.unread = False
        self._next = len(self._texts) + 1
        return self._texts, self._logprobs or [], self._finish

    def take_texts(self, limit: int) -> tuple[list[str], Finish | None]:
        """The next ``limit`` texts at most, and the Finish when it fits too (a stream's bulk read; logprobs
        are not handed out this way)."""
        self.unread = False
        i = self._next
        if i > len(self._texts):
            raise RuntimeError("take_texts() after the Finish")
        texts = self._texts[i : i + limit]
        self._next = i + len(texts)
        if self._next == len(self._texts) and len(texts) < limit:
            self._next += 1
            return texts, self._finish
        return texts, None


@runtime_checkable
class ChatEngine(Engine, Protocol):
    def chat(self, request: ChatRequest, choice_index: int = 0) -> Generation:
        """Yield TextDelta items as they are produced, then exactly one Finish.

        ``choice_index`` distinguishes the ``n`` choices of one request (engines vary the seed with it).
        """
        ...


@runtime_checkable
class CompletionEngine(Engine, Protocol):
    def complete(self, request: CompletionRequest, choice_index: int = 0) -> Generation: ...


# --- embeddings ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: npt.NDArray[np.float32]  # shape (len(texts), dims), rows L2-normalised
    prompt_tokens: int


@runtime_checkable
class EmbeddingEngine(Engine, Protocol):
    native_dimensions: int  # requests for more are a 400 naming this limit

    def embed(self, texts: list[str], dimensions: int | None = None) -> EmbeddingResult:
        """``dimensions`` (<= native) truncates then renormalises."""
        ...


# --- images ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageRequest:
    prompt: str
    width: int
    height: int
    quality: str = "standard"  # standard | hd
    style: str = "vivid"  # vivid | natural


@dataclass(frozen=True)
class ImageResult:
    png: bytes
    revised_prompt: str  # says plainly that this is the emulator's procedural placeholder art


@runtime_checkable
class ImageEngine(Engine, Protocol):
    def generate(self, request: ImageRequest) -> ImageResult: ...


# --- speech to text --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptionRequest:
    audio: bytes  # the uploaded file, any container PyAV can read (wav, mp3, flac, ogg, m4a, webm ...)
    filename: str
    translate: bool = False  # audio/translations: English output
    language: str | None = None
    prompt: str | None = None
    temperature: float = 0.0
    word_timestamps: bool = False
    max_seconds: float = 1500.0  # longer audio is an EngineInputError (audio.decode_audio enforces it)


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds
    end: float


@dataclass(frozen=True)
class Segment:
    id: int
    start: float
    end: float
    text: str
    tokens: tuple[int, ...] = ()
    temperature: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 1.0
    no_speech_prob: float = 0.0


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str  # full English name as Whisper's API reports it, e.g. "english"
    duration: float  # seconds of audio
    segments: tuple[Segment, ...]
    words: tuple[Word, ...] = ()  # filled when word_timestamps was asked


@runtime_checkable
class TranscriptionEngine(Engine, Protocol):
    def transcribe(self, request: TranscriptionRequest) -> Transcript: ...


# --- text to speech --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    voice: str  # one of VOICES
    speed: float = 1.0  # 0.25 - 4.0
    # the format the HTTP layer will send: an engine may encode as it speaks (SpeechResult.encoded)
    response_format: str | None = None


@dataclass(frozen=True)
class SpeechResult:
    samples: npt.NDArray[np.int16]  # mono PCM
    sample_rate: int
    # the samples encoded as the request's response_format, when the engine did it
    encoded: bytes | None = None


@runtime_checkable
class SpeechEngine(Engine, Protocol):
    def synthesize(self, request: SpeechRequest) -> SpeechResult:
        """Mono int16 PCM; the HTTP layer resamples to 24 kHz and encodes the requested format (unless the
        result carries it ``encoded`` already: ``audio.SpeechEncoder``, the same bytes)."""
        ...


# Every voice of the catalog's speech models (tests/local/test_local_audio.py checks that they agree).
VOICES = (
    "alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse", "marin", "cedar",
)  # fmt: skip


# --- moderation (the content filter's optional heuristic for natural text) -------------------------------

Severity = Literal["safe", "low", "medium", "high"]
CATEGORIES: tuple[str, ...] = ("hate", "sexual", "violence", "self_harm")


@runtime_checkable
class ModerationEngine(Engine, Protocol):
    def score(self, texts: list[str]) -> list[dict[str, Severity]]:
        """One mapping per text from each of CATEGORIES to a severity."""
        ...


# --- the set of engines an emulator serves with ---------------------------------------------------------


@dataclass
class EngineSet:
    chat: ChatEngine
    completion: CompletionEngine
    embedding: EmbeddingEngine
    image: ImageEngine
    transcription: TranscriptionEngine
    speech: SpeechEngine
    moderation: ModerationEngine | None = None  # None: only header-triggered filtering

    def names(self) -> dict[str, str]:
        """Capability -> engine name, for the banner and the status endpoint."""
        names = {
            "chat": self.chat.name,
            "completions": self.completion.name,
            "embeddings": self.embedding.name,
            "images": self.image.name,
            "transcription": self.transcription.name,
            "speech": self.speech.name,
        }
        names["moderation"] = self.moderation.name if self.moderation else "off"
        return names
