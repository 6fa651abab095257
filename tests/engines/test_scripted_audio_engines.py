"""Scripted transcription (voiced-region detection) and scripted speech (tones, not words)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from aoai_nb.emulator.audio import encode_speech
from aoai_nb.emulator.engines.base import EngineInputError, SpeechRequest, TranscriptionRequest
from aoai_nb.emulator.engines.scripted import ScriptedSpeechEngine, ScriptedTranscriptionEngine
from aoai_nb.emulator.engines.scripted.media import voiced_regions

RATE = 16_000
TRANSCRIBER = ScriptedTranscriptionEngine()
SPEAKER = ScriptedSpeechEngine()


def clip(pattern: list[tuple[str, float]], noise_db: float = -70.0) -> npt.NDArray[np.int16]:
    """Silence and 300 Hz tone spans (``("tone"|"gap", seconds)``) over faint seeded noise."""
    parts = []
    for kind, seconds in pattern:
        t = np.arange(int(seconds * RATE)) / RATE
        parts.append(0.4 * np.sin(2 * np.pi * 300 * t) if kind == "tone" else np.zeros_like(t))
    audio = np.concatenate(parts)
    audio += np.random.default_rng(0).normal(0, 10 ** (noise_db / 20), audio.shape)
    return (audio * 32767).astype(np.int16)


PATTERN = [("gap", 0.5), ("tone", 1.0), ("gap", 0.8), ("tone", 0.6), ("gap", 0.5)]


def wav(samples: npt.NDArray[np.int16], fmt: str = "wav") -> bytes:
    return encode_speech(samples, RATE, fmt)[0]


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_one_segment_per_voiced_region(fmt: str) -> None:
    transcript = TRANSCRIBER.transcribe(TranscriptionRequest(wav(clip(PATTERN), fmt), f"a.{fmt}"))
    assert transcript.duration == pytest.approx(3.4, abs=0.1)
    assert transcript.language == "english"
    spans = [(s.start, s.end) for s in transcript.segments]
    assert len(spans) == 2
    expected = [(0.5, 1.5), (2.3, 2.9)]
    for (start, end), (want_start, want_end) in zip(spans, expected, strict=True):
        assert start == pytest.approx(want_start, abs=0.06)
        assert end == pytest.approx(want_end, abs=0.06)
    assert [s.id for s in transcript.segments] == [0, 1]
    assert transcript.segments[0].text.strip() == (
        "[scripted transcription: speech-like audio 0.5-1.5 s; the scripted engine does not recognise words]"
    )
    assert transcript.text == " ".join(s.text.strip() for s in transcript.segments)
    assert transcript.words == ()


def test_words_are_spread_evenly_and_monotonic() -> None:
    request = TranscriptionRequest(wav(clip(PATTERN)), "a.wav", word_timestamps=True)
    transcript = TRANSCRIBER.transcribe(request)
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)
    assert all(w.end > w.start for w in transcript.words)
    for segment in transcript.segments:
        inside = [w for w in transcript.words if segment.start <= w.start < segment.end]
        assert len(inside) == len(segment.text.split())
        assert inside[0].start == pytest.approx(segment.start)
        assert inside[-1].end == pytest.approx(segment.end)
        widths = {round(w.end - w.start, 2) for w in inside}
        assert max(widths) - min(widths) <= 0.002


def test_close_regions_merge_and_short_blips_are_dropped() -> None:
    samples = clip([("gap", 0.3), ("tone", 0.5), ("gap", 0.2), ("tone", 0.5), ("gap", 0.5), ("tone", 0.04)])
    regions = voiced_regions((samples / 32768).astype(np.float32), RATE)
    assert len(regions) == 1
    assert regions[0][0] == pytest.approx(0.3, abs=0.03)
    assert regions[0][1] == pytest.approx(1.5, abs=0.03)


def test_audio_without_pauses_is_one_region() -> None:
    samples = clip([("tone", 2.0)])
    assert voiced_regions((samples / 32768).astype(np.float32), RATE) == [(0.0, 2.0)]


def test_silence_gives_a_labelled_no_speech_segment() -> None:
    transcript = TRANSCRIBER.transcribe(TranscriptionRequest(wav(clip([("gap", 1.0)])), "quiet.wav"))
    (segment,) = transcript.segments
    assert segment.no_speech_prob > 0.5
    assert "no speech-like audio" in transcript.text


def test_translation_and_language_are_noted() -> None:
    audio = wav(clip(PATTERN))
    translated = TRANSCRIBER.transcribe(TranscriptionRequest(audio, "a.wav", translate=True, language="fr"))
    assert translated.text.startswith("[scripted translation:")
    assert "translation to English was requested" in translated.text
    assert translated.language == "english"
    french = TRANSCRIBER.transcribe(TranscriptionRequest(audio, "a.wav", language="fr"))
    assert french.language == "french"


def test_bad_upload_is_an_input_error() -> None:
    with pytest.raises(EngineInputError) as caught:
        TRANSCRIBER.transcribe(TranscriptionRequest(b"nope" * 100, "x.mp3"))
    assert caught.value.param == "file"


def _tone_count(samples: npt.NDArray[np.int16]) -> int:
    """Runs of 10 ms frames holding any non-zero sample (word gaps are silent and >= 60 ms)."""
    frames = samples[: len(samples) // 240 * 240].reshape(-1, 240)
    voiced = np.abs(frames).max(axis=1) > 0
    return int(np.sum(voiced[1:] & ~voiced[:-1]) + voiced[0])


def test_speech_is_one_tone_per_word_at_24khz() -> None:
    result = SPEAKER.synthesize(SpeechRequest("Hello there, general Kenobi. Nice to meet you!", "alloy"))
    assert result.sample_rate == 24_000
    assert result.samples.dtype == np.int16
    assert _tone_count(result.samples) == 8
    assert result.samples.max() < 32767 * 0.5  # headroom


def test_speed_scales_duration_and_voice_changes_pitch() -> None:
    text = "The quick brown fox jumps over the lazy dog."
    normal = SPEAKER.synthesize(SpeechRequest(text, "alloy"))
    fast = SPEAKER.synthesize(SpeechRequest(text, "alloy", speed=2.0))
    assert len(fast.samples) / len(normal.samples) == pytest.approx(0.5, abs=0.01)
    low = SPEAKER.synthesize(SpeechRequest("hello", "onyx")).samples.astype(np.float64)
    high = SPEAKER.synthesize(SpeechRequest("hello", "shimmer")).samples.astype(np.float64)
    peak = [np.fft.rfftfreq(len(x), 1 / 24_000)[np.abs(np.fft.rfft(x)).argmax()] for x in (low, high)]
    assert peak[0] < peak[1]


def test_speech_is_deterministic_and_round_trips_through_transcription() -> None:
    request = SpeechRequest("One two three. Four five six.", "nova")
    first = SPEAKER.synthesize(request)
    np.testing.assert_array_equal(first.samples, SPEAKER.synthesize(request).samples)
    audio, _ = encode_speech(first.samples, first.sample_rate, "opus")
    transcript = TRANSCRIBER.transcribe(TranscriptionRequest(audio, "speech.opus"))
    assert transcript.duration == pytest.approx(len(first.samples) / 24_000, abs=0.05)
    assert len(transcript.segments) >= 1


def test_text_without_words_gives_short_silence() -> None:
    result = SPEAKER.synthesize(SpeechRequest("...", "echo"))
    assert len(result.samples) == 4800
    assert not result.samples.any()
