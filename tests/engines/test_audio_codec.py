"""aoai_nb.emulator.audio: speech encoding in six formats and decoding of uploads."""

from __future__ import annotations

import io
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from aoai_nb.emulator.audio import (
    CONTENT_TYPES,
    Resampler,
    SpeechEncoder,
    decode_audio,
    encode_speech,
    resample_int16,
)
from aoai_nb.emulator.engines.base import EngineInputError

CODECS = {"mp3": "mp3", "opus": "opus", "aac": "aac", "flac": "flac", "wav": "pcm_s16le"}


def tone(seconds: float, rate: int, frequency: float = 440.0, level: float = 0.3) -> npt.NDArray[np.int16]:
    t = np.arange(int(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * level * 32767).astype(np.int16)


def peak_frequency(samples: npt.NDArray[np.floating[Any]], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[spectrum.argmax()])


@pytest.mark.parametrize("fmt", sorted(CODECS))
def test_each_format_decodes_back_with_its_codec_rate_and_duration(fmt: str) -> None:
    data, content_type = encode_speech(tone(1.5, 22_050), 22_050, fmt)
    assert content_type == CONTENT_TYPES[fmt]
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.codec.canonical_name == CODECS[fmt]
        assert stream.codec_context.sample_rate in (24_000, 48_000)  # opus decoders may report 48 kHz
        assert stream.codec_context.channels == 1
    samples, duration = decode_audio(data, f"speech.{fmt}")
    # mp3 and aac carry encoder delay/padding (ADTS cannot signal it), as Azure's files do
    assert duration == pytest.approx(1.5, abs=0.1 if fmt in ("aac", "mp3") else 0.01)
    assert samples.dtype == np.float32
    assert peak_frequency(samples, 16_000) == pytest.approx(440, abs=5)


def test_content_types() -> None:
    assert CONTENT_TYPES == {
        "mp3": "audio/mpeg",
        "opus": "audio/ogg",
        "aac": "audio/aac",
        "flac": "audio/flac",
        "wav": "audio/wav",
        "pcm": "audio/pcm",
    }


def test_pcm_is_raw_little_endian_24khz() -> None:
    data, content_type = encode_speech(tone(0.5, 16_000), 16_000, "pcm")
    assert content_type == "audio/pcm"
    assert len(data) == 2 * 12_000
    samples = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768
    assert peak_frequency(samples, 24_000) == pytest.approx(440, abs=5)


def test_wav_and_flac_are_24khz_int16() -> None:
    for fmt in ("wav", "flac"):
        info = soundfile.info(io.BytesIO(encode_speech(tone(0.3, 48_000), 48_000, fmt)[0]))
        assert (info.samplerate, info.channels, info.subtype) == (24_000, 1, "PCM_16")


def test_resample_keeps_duration_and_pitch() -> None:
    out = resample_int16(tone(1.0, 44_100, 1000.0), 44_100)
    assert len(out) == 24_000
    assert peak_frequency(out.astype(np.float32), 24_000) == pytest.approx(1000, abs=3)


def test_unknown_format_is_an_input_error_naming_the_choices() -> None:
    with pytest.raises(EngineInputError) as caught:
        encode_speech(tone(0.1, 24_000), 24_000, "ogg")
    assert caught.value.param == "response_format"
    assert "mp3, opus, aac, flac, wav, pcm" in str(caught.value)


def test_decode_gives_16khz_mono_from_stereo() -> None:
    buffer = io.BytesIO()
    left = tone(1.0, 44_100, 300.0).astype(np.float32) / 32767
    soundfile.write(buffer, np.stack([left, left], axis=1), 44_100, format="WAV")
    samples, duration = decode_audio(buffer.getvalue(), "stereo.wav")
    assert samples.ndim == 1
    assert len(samples) == pytest.approx(16_000, abs=32)
    assert duration == pytest.approx(1.0, abs=0.01)
    assert peak_frequency(samples, 16_000) == pytest.approx(300, abs=3)
    assert np.abs(samples).max() <= 1.0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"definitely not audio" * 50, "Could not decode the audio file 'clip.wav'"),
    ],
)
def test_undecodable_uploads_are_input_errors(data: bytes, message: str) -> None:
    with pytest.raises(EngineInputError) as caught:
        decode_audio(data, "clip.wav")
    assert caught.value.param == "file"
    assert message in str(caught.value)


def test_an_image_has_no_audio_stream() -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    with pytest.raises(EngineInputError) as caught:
        decode_audio(buffer.getvalue(), "photo.png")
    assert caught.value.param == "file"
    assert "audio" in str(caught.value)


@pytest.mark.parametrize("rate", [8_000, 16_000, 22_050, 24_000, 44_100, 48_000, 96_000])
def test_resampling_in_pieces_gives_the_samples_of_the_whole(rate: int) -> None:
    rng = np.random.default_rng(rate)
    samples = rng.integers(-32768, 32767, 9_999).astype(np.int16)
    whole = resample_int16(samples, rate)
    for _ in range(20):
        cuts = np.sort(rng.integers(0, len(samples) + 1, rng.integers(0, 8)))
        resampler = Resampler(rate)
        pieces = [resampler.feed(piece) for piece in np.split(samples, cuts)]
        np.testing.assert_array_equal(np.concatenate([*pieces, resampler.finish()]), whole)
    assert len(whole) == round(len(samples) * 24_000 / rate)


def test_a_resampler_on_one_or_no_sample() -> None:
    one = Resampler(22_050)
    assert len(one.feed(np.array([1234], dtype=np.int16))) + len(tail := one.finish()) == 1
    assert list(tail) in ([1234], [])
    assert len(Resampler(22_050).finish()) == 0
    with pytest.raises(ValueError):
        Resampler(0)


@pytest.mark.parametrize("fmt", sorted(CONTENT_TYPES))
def test_encoding_sentence_by_sentence_gives_the_bytes_of_the_whole(fmt: str) -> None:
    speech = np.concatenate([tone(0.7, 22_050, 300.0), tone(0.01, 22_050), tone(1.1, 22_050, 500.0)])
    encoder = SpeechEncoder(22_050, fmt)
    for piece in np.array_split(speech, [15_435, 15_655, 20_000]):
        encoder.feed(piece)
    pieces = encoder.finish()
    whole = encode_speech(speech, 22_050, fmt)[0]
    if fmt == "opus":  # each Ogg stream gets a random serial number: compare what decodes
        assert decode_audio(pieces, "a.opus")[0].tobytes() == decode_audio(whole, "b.opus")[0].tobytes()
    else:
        assert pieces == whole


def test_an_encoder_refuses_an_unknown_format_before_any_audio() -> None:
    with pytest.raises(EngineInputError) as caught:
        SpeechEncoder(22_050, "ogg")
    assert caught.value.param == "response_format"
