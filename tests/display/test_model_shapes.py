"""Views of today's response shapes: reasoning usage, gpt-image responses, diarized and streamed transcripts,
streamed (SSE) speech. Bodies follow the v1 spec / SDK types; the goldens from the emulator are in test_golden."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest

from aoai_nb.display import show, stream, view
from aoai_nb.display._env import DisplaySink, PlainSink
from aoai_nb.display._images import ImagesView, has_transparency
from aoai_nb.display._speech import SpeechView, sse_events
from aoai_nb.display._transcript_stream import TranscriptStream
from aoai_nb.display._transcripts import SPEAKER_COLOURS, TranscriptView
from aoai_nb.display._usage import UsageTracker
from tests.audio_files import wav as wav_file

from .fakes import CHAT_COMPLETION

SCRIPT = "<script>alert(1)</script>"


def reasoning_body(reasoning: int) -> dict[str, Any]:
    usage = {
        "prompt_tokens": 20,
        "completion_tokens": 90,
        "total_tokens": 110,
        "completion_tokens_details": {"reasoning_tokens": reasoning, "audio_tokens": 0},
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    }
    return {
        **CHAT_COMPLETION,
        "id": f"chatcmpl-r{reasoning}",
        "model": "gpt-5-mini-2025-08-07",
        "usage": usage,
    }


def test_reasoning_tokens_in_the_usage_line_and_the_tracker_column() -> None:
    from openai.types.chat import ChatCompletion

    response = ChatCompletion.model_validate(reasoning_body(64))
    assert "usage: 20 prompt + 90 completion = 110 tokens (64 reasoning)" in view(response).to_text()
    assert "(64 reasoning)" in view(reasoning_body(64)).to_text()  # a plain dict too
    tracker = UsageTracker()
    tracker.record(ChatCompletion.model_validate(CHAT_COMPLETION))
    assert "reasoning" not in tracker.to_text()  # no reasoning model called yet: no column
    tracker.record(response)
    lines = tracker.to_text().splitlines()
    assert lines[0] == "usage: 2 calls: 45 prompt + 99 completion (of which 64 reasoning) = 144 tokens"
    assert lines[1].split()[:7] == ["#", "kind", "model", "prompt", "completion", "of", "which"]
    assert lines[3].split()[:7] == ["2", "chat", "gpt-5-mini-2025-08-07", "20", "90", "64", "110"]
    assert lines[2].split()[5] == "0"  # the non-reasoning call: 0 in the column
    assert "<th" in tracker.to_html() and "of which reasoning" in tracker.to_html()


def png(mode: str, transparent_pixel: bool) -> bytes:
    from PIL import Image

    colour = (200, 40, 40, 255) if mode == "RGBA" else (200, 40, 40)
    image = Image.new(mode, (8, 8), colour)
    if transparent_pixel:
        image.putpixel((0, 0), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG" if mode != "RGB-jpeg" else "JPEG")
    return out.getvalue()


def jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, format="JPEG")
    return out.getvalue()


def gpt_image_body(data: bytes, **echo: Any) -> dict[str, Any]:
    return {
        "created": 1764547200,
        "data": [{"b64_json": base64.b64encode(data).decode()}],
        "usage": {
            "input_tokens": 50,
            "input_tokens_details": {"text_tokens": 10, "image_tokens": 40},
            "output_tokens": 272,
            "total_tokens": 322,
        },
        **echo,
    }


def test_transparency_is_read_from_the_pixels() -> None:
    assert has_transparency(png("RGBA", True)) is True
    assert has_transparency(png("RGBA", False)) is False  # an alpha channel, but every pixel opaque
    assert has_transparency(png("RGB", False)) is False
    assert has_transparency(jpeg()) is False
    assert has_transparency(b"\x89PNG\r\n\x1a\nbroken") is None


def test_gpt_image_response_shows_settings_usage_and_transparency() -> None:
    body = gpt_image_body(
        png("RGBA", True), output_format="png", background="transparent", quality="low", size="1024x1024"
    )
    shown = view(body)
    assert isinstance(shown, ImagesView)
    assert shown.to_text() == (
        "image 0: png 8x8, transparent background, 0.1 kB (b64_json)\n"
        "output_format: png · background: transparent · quality: low · size: 1024x1024\n"
        "usage: 50 input (text 10, image 40) + 272 output = 322 tokens"
    )
    html = shown.to_html()
    assert "conic-gradient" in html and html.count("<img") == 1
    opaque = view(gpt_image_body(jpeg(), output_format="jpeg", background="opaque")).to_html()
    assert "conic-gradient" not in opaque and 'src="data:image/jpeg;base64,' in opaque


def test_gpt_image_settings_are_escaped() -> None:
    html = view(gpt_image_body(jpeg(), output_format=SCRIPT)).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


DIARIZED = {
    "task": "transcribe",
    "duration": 4.0,
    "text": "Hello there. Hi, how are you? Fine.",
    "segments": [
        {"type": "transcript.text.segment", "id": "seg_1", "start": 0.0, "end": 1.2, "speaker": "A",
         "text": "Hello there."},
        {"type": "transcript.text.segment", "id": "seg_2", "start": 1.3, "end": 3.0, "speaker": "B",
         "text": " Hi, how are you?"},
        {"type": "transcript.text.segment", "id": "seg_3", "start": 3.1, "end": 4.0, "speaker": "A",
         "text": " Fine."},
    ],
    "usage": {"type": "tokens", "input_tokens": 40, "output_tokens": 12, "total_tokens": 52,
              "input_token_details": {"audio_tokens": 40, "text_tokens": 0}},
}  # fmt: skip


def test_diarized_transcript_table_coloured_by_speaker() -> None:
    from openai.types.audio import TranscriptionDiarized

    shown = view(TranscriptionDiarized.model_validate(DIARIZED))
    assert isinstance(shown, TranscriptView) and shown.diarized
    assert shown.to_text() == (
        "transcript: duration: 4.00 s · 3 segments · 2 speakers · tokens: 40 input (audio 40, text 0) + 12 "
        "output = 52\n"
        "Hello there. Hi, how are you? Fine.\n"
        "\n"
        "segments:\n"
        "  A  0 ms - 1200 ms  Hello there.\n"
        "  B  1300 ms - 3000 ms  Hi, how are you?\n"
        "  A  3100 ms - 4000 ms  Fine."
    )
    html = shown.to_html()
    assert (
        html.count(f"background:{SPEAKER_COLOURS[0]}") == 2
        and html.count(f"background:{SPEAKER_COLOURS[1]}") == 1
    )
    assert "<th" in html and ">speaker</th>" in html
    frame = shown.segments_dataframe()
    assert frame["speaker"].tolist() == ["A", "B", "A"] and frame["id"].tolist() == [
        "seg_1",
        "seg_2",
        "seg_3",
    ]


def test_diarized_timeline_has_one_lane_per_speaker() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = view(DIARIZED).plot()  # type: ignore[attr-defined]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["speaker B", "speaker A"]
    assert {t.get_text() for t in ax.texts} == {"Hello there.", "Hi, how are you?", "Fine."}
    colours = {tuple(round(c, 3) for c in coll.get_facecolor()[0][:3]) for coll in ax.collections}
    assert len(colours) == 2
    plt.close("all")


def test_speaker_labels_are_escaped() -> None:
    body = {**DIARIZED, "segments": [{**DIARIZED["segments"][0], "speaker": SCRIPT}]}  # type: ignore[dict-item]
    html = view(body).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_gpt_4o_transcribe_json_shows_usage_and_logprobs() -> None:
    body = {
        "text": "Hello world",
        "logprobs": [
            {"token": "Hello", "logprob": -0.1, "bytes": [72]},
            {"token": " world", "logprob": -0.2},
        ],
        "usage": {"type": "tokens", "input_tokens": 14, "output_tokens": 3, "total_tokens": 17},
    }
    assert view(body).to_text() == (
        "transcript: logprobs for 2 tokens · tokens: 14 input + 3 output = 17\nHello world"
    )
    whisper = {"text": "hi", "usage": {"type": "duration", "seconds": 2.0}}
    assert view(whisper).to_text() == "transcript: billed: 2.0 s of audio\nhi"


TRANSCRIPT_EVENTS = [
    {"type": "transcript.text.delta", "delta": "Hello"},
    {"type": "transcript.text.delta", "delta": " world"},
    {"type": "transcript.text.delta", "delta": "."},
    {"type": "transcript.text.done", "text": "Hello world.",
     "usage": {"type": "tokens", "input_tokens": 14, "output_tokens": 3, "total_tokens": 17}},
]  # fmt: skip


def test_a_streamed_transcript_updates_live_then_shows_the_final_view() -> None:
    shown: list[tuple[str, str]] = []

    class Handle:
        def update(self, obj: Any) -> None:
            shown.append(("update", obj._repr_mimebundle_()["text/plain"]))

    def display(obj: Any, display_id: bool = False) -> Handle:
        shown.append(("display", obj._repr_mimebundle_()["text/plain"]))
        return Handle()

    result = TranscriptStream(iter(TRANSCRIPT_EVENTS), sink=DisplaySink(display), min_interval_s=0)
    assert list(result) == ["Hello", " world", "."]
    assert [kind for kind, _ in shown].count("display") == 1
    assert shown[0][1] == "transcript stream: streaming… · 0 deltas"
    assert shown[1][1] == "Hello\n\ntranscript stream: streaming… · 1 delta"
    assert shown[-1][1] == (
        "transcript: streamed in 3 deltas · tokens: 14 input + 3 output = 17\nHello world."
    )
    assert result.text == "Hello world." and result.done
    assert list(result) == ["Hello", " world", "."]  # replayed, not re-consumed


def test_show_and_stream_route_transcript_events(capsys: pytest.CaptureFixture[str]) -> None:
    show(iter(TRANSCRIPT_EVENTS), env="plain")
    out = capsys.readouterr().out
    assert out.startswith("Hello world.\ntranscript stream: done · 3 deltas")
    result = stream(iter(TRANSCRIPT_EVENTS), live=False)
    assert isinstance(result, TranscriptStream) and result.transcript.usage["total_tokens"] == 17


def test_a_stream_that_ends_without_done_says_so() -> None:
    out = io.StringIO()
    result = TranscriptStream(iter(TRANSCRIPT_EVENTS[:2]), sink=PlainSink(out)).wait()
    assert result.text == "Hello world"
    assert "ended without transcript.text.done" in out.getvalue()


def test_diarized_stream_segments_reach_the_final_view() -> None:
    events = [{"type": "transcript.text.delta", "delta": "Hello there."}, DIARIZED["segments"][0],  # type: ignore[index]
              {"type": "transcript.text.done", "text": "Hello there."}]  # fmt: skip
    result = stream(iter(events), live=False)
    assert result.transcript.speakers == ("A",) and "A  0 ms - 1200 ms  Hello there." in result.to_text()


def wav(seconds: float, rate: int = 8000) -> bytes:
    return wav_file(b"\x01\x00" * int(seconds * rate), rate)


def speech_events(audio: bytes, pieces: int = 3) -> list[dict[str, Any]]:
    step = -(-len(audio) // pieces)
    deltas = [
        {"type": "speech.audio.delta", "audio": base64.b64encode(audio[i : i + step]).decode()}
        for i in range(0, len(audio), step)
    ]
    done = {
        "type": "speech.audio.done",
        "usage": {"input_tokens": 9, "output_tokens": 120, "total_tokens": 129},
    }
    return [*deltas, done]


def sse_body(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode()


def test_sse_speech_body_becomes_an_audio_player() -> None:
    audio = wav(1.0)
    body = sse_body(speech_events(audio))
    assert [e["type"] for e in sse_events(body)] == ["speech.audio.delta"] * 3 + ["speech.audio.done"]
    shown = view(body)
    assert isinstance(shown, SpeechView) and shown.data == audio and shown.duration_s == 1.0
    assert shown.to_text() == (
        f"speech: wav, 1.00 s, {len(audio) / 1024:.1f} kB · streamed in 3 SSE audio events · usage: 9 input "
        "+ 120 output = 129 tokens"
    )
    assert '<audio controls preload="metadata" src="data:audio/wav;base64,' in shown.to_html()
    assert 'preload="none"' not in shown.to_html()


def test_speech_events_from_an_iterator(capsys: pytest.CaptureFixture[str]) -> None:
    show(iter(speech_events(wav(0.5))), env="plain")
    assert capsys.readouterr().out.startswith("speech: wav, 0.50 s,")
    assert stream(iter(speech_events(wav(0.5))), live=False).events == 3


def test_an_async_transcript_stream_is_refused_with_the_way_round() -> None:
    class FakeAsyncTranscriptStream:
        _cast_to = "TranscriptionStreamEvent"

        def __aiter__(self) -> Any:
            return self

    with pytest.raises(TypeError, match="sync transcript streams only"):
        show(FakeAsyncTranscriptStream(), env="plain")
