"""Speech (Piper) and transcription (Whisper tiny.en) on the real local models, called directly."""

from __future__ import annotations

import numpy as np
import pytest

from aoai_nb.emulator.audio import encode_speech
from aoai_nb.emulator.engines import EngineSet
from aoai_nb.emulator.engines.base import EngineInputError, SpeechRequest, Transcript, TranscriptionRequest
from aoai_nb.emulator.engines.local.tts import VOICES

from .helpers import skip_without_local_models, word_error_rate

pytestmark = [pytest.mark.local_models, skip_without_local_models()]

SENTENCE = "The quick brown fox jumps over the lazy dog. Please call me back before noon tomorrow."


@pytest.fixture(scope="module")
def spoken_wav(local_engines: EngineSet) -> bytes:
    speech = local_engines.speech.synthesize(SpeechRequest(SENTENCE, "alloy"))
    return encode_speech(speech.samples, speech.sample_rate, "wav")[0]


@pytest.fixture(scope="module")
def transcript(local_engines: EngineSet, spoken_wav: bytes) -> Transcript:
    return local_engines.transcription.transcribe(
        TranscriptionRequest(spoken_wav, "speech.wav", word_timestamps=True)
    )


def test_speech_is_int16_at_the_voice_rate(local_engines: EngineSet) -> None:
    speech = local_engines.speech.synthesize(SpeechRequest("Hello there.", "nova"))
    assert speech.samples.dtype == np.int16 and speech.sample_rate == 22_050
    assert 0.4 < len(speech.samples) / speech.sample_rate < 3
    assert np.abs(speech.samples).max() > 3000  # audible, not silence


def test_round_trip_word_error_rate_is_at_most_one_fifth(transcript: Transcript) -> None:
    assert word_error_rate(SENTENCE, transcript.text) <= 0.2, transcript.text
    assert transcript.language == "english"
    assert 3 < transcript.duration < 12


def test_word_and_segment_timestamps_are_monotonic(transcript: Transcript) -> None:
    words = transcript.words
    assert len(words) >= 12
    assert all(w.start <= w.end for w in words)
    assert all(a.start <= b.start and a.end <= b.end for a, b in zip(words, words[1:], strict=False))
    assert words[-1].end <= transcript.duration + 0.5
    segments = transcript.segments
    assert segments and [s.id for s in segments] == list(range(len(segments)))
    assert all(a.end <= b.start + 1e-6 for a, b in zip(segments, segments[1:], strict=False))
    assert all(isinstance(w.start, float) for w in words)


def test_speed_changes_the_length(local_engines: EngineSet) -> None:
    normal = local_engines.speech.synthesize(SpeechRequest(SENTENCE, "alloy", speed=1.0))
    fast = local_engines.speech.synthesize(SpeechRequest(SENTENCE, "alloy", speed=2.0))
    assert len(fast.samples) < 0.7 * len(normal.samples)


def test_every_openai_voice_is_accepted(local_engines: EngineSet) -> None:
    from aoai_nb.models import load_catalog

    catalog_voices = {voice for info in load_catalog().values() for voice in info.voices}
    assert catalog_voices == set(VOICES)  # every voice of every speech model, and no other
    for voice in VOICES:
        assert len(local_engines.speech.synthesize(SpeechRequest("Hi.", voice)).samples) > 1000


def test_bad_speech_requests_name_the_parameter(local_engines: EngineSet) -> None:
    for request, param in [
        (SpeechRequest("Hi.", "darth"), "voice"),
        (SpeechRequest("Hi.", "alloy", speed=9.0), "speed"),
        (SpeechRequest("   ", "alloy"), "input"),
    ]:
        with pytest.raises(EngineInputError) as caught:
            local_engines.speech.synthesize(request)
        assert caught.value.param == param


def test_another_language_is_refused_not_faked(local_engines: EngineSet, spoken_wav: bytes) -> None:
    with pytest.raises(EngineInputError, match="English-only") as caught:
        local_engines.transcription.transcribe(TranscriptionRequest(spoken_wav, "speech.wav", language="fr"))
    assert caught.value.param == "language"


def test_translation_of_english_passes_through(local_engines: EngineSet, spoken_wav: bytes) -> None:
    result = local_engines.transcription.transcribe(
        TranscriptionRequest(
            spoken_wav, "speech.wav", translate=True, language="en", prompt="Fox, dog, noon."
        )
    )
    assert word_error_rate(SENTENCE, result.text) <= 0.2
    assert result.words == ()  # none asked for


def test_undecodable_audio_is_an_input_error(local_engines: EngineSet) -> None:
    with pytest.raises(EngineInputError) as caught:
        local_engines.transcription.transcribe(TranscriptionRequest(b"not audio at all", "x.wav"))
    assert caught.value.param == "file"


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_speech_encoded_while_spoken_is_the_encoding_of_its_samples(
    local_engines: EngineSet, fmt: str
) -> None:
    speech = local_engines.speech.synthesize(SpeechRequest(SENTENCE, "alloy", response_format=fmt))
    assert (
        speech.encoded is not None
        and speech.encoded == encode_speech(speech.samples, speech.sample_rate, fmt)[0]
    )
    assert local_engines.speech.synthesize(SpeechRequest(SENTENCE, "alloy")).encoded is None
