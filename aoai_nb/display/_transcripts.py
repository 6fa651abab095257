"""Transcripts and translations: text, words and segments with their times, and a timeline plot.

Whisper's ``verbose_json`` gives words and segments; ``gpt-4o-transcribe-diarize``'s ``diarized_json`` gives
segments with a ``speaker`` label, shown as a table coloured by speaker and as one timeline lane per speaker;
the gpt-4o transcribe models' ``json`` gives text, token ``usage`` and, with ``include=["logprobs"]``, logprobs.
matplotlib and pandas are imported inside the functions that use them, never at import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import as_dict

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

MAX_WORD_ROWS = 200
# one colour per speaker, in order of first appearance (GitHub's accessible palette); cycles after eight
SPEAKER_COLOURS = ("#0969da", "#bf3989", "#1a7f37", "#bc4c00", "#8250df", "#9a6700", "#0550ae", "#cf222e")


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)} ms"


def speaker_colours(speakers: tuple[str, ...]) -> dict[str, str]:
    """Each distinct speaker label -> its colour, in order of first appearance."""
    distinct = list(dict.fromkeys(s for s in speakers if s))
    return {name: SPEAKER_COLOURS[i % len(SPEAKER_COLOURS)] for i, name in enumerate(distinct)}


def _speaker_chip(name: str, colour: str) -> h.Raw:
    style = (
        f"display:inline-block;padding:0 6px;border-radius:4px;color:#fff;background:{colour};font-weight:600"
    )
    return h.Raw(f'<span style="{style}">{h.esc(name)}</span>')


def describe_transcript_usage(usage: Any) -> str:
    """``tokens: 120 input (audio 110, text 10) + 20 output = 140`` or ``billed: 3.2 s of audio``; "" if none."""
    data = as_dict(usage) if usage is not None else {}
    if data.get("type") == "duration" and data.get("seconds") is not None:
        return f"billed: {float(data['seconds']):.1f} s of audio"
    if data.get("input_tokens") is None:
        return ""
    details = data.get("input_token_details") or {}
    parts = [f"{k.removesuffix('_tokens')} {v}" for k, v in details.items() if isinstance(v, int)]
    split = f" ({', '.join(parts)})" if parts else ""
    return (
        f"tokens: {data['input_tokens']} input{split} + {data.get('output_tokens', 0)} output"
        f" = {data.get('total_tokens', 0)}"
    )


@dataclass(frozen=True, repr=False)
class TranscriptView(View):
    """A transcription or translation: text; words and segments with their times (seconds)."""

    text: str
    language: str | None = None
    duration: float | None = None
    words: tuple[tuple[str, float, float], ...] = ()  # (word, start, end)
    segments: tuple[tuple[int | str, float, float, str], ...] = ()  # (id, start, end, text)
    request_id: str | None = None
    speakers: tuple[str, ...] = ()  # one label per segment (diarized_json), else empty
    usage: Any = None
    logprobs: int = 0  # tokens with logprobs (include=["logprobs"])
    streamed: int = 0  # transcript.text.delta events it was assembled from (0: not streamed)

    @classmethod
    def from_response(cls, response: Any) -> TranscriptView:
        if isinstance(response, str):  # response_format text / srt / vtt
            return cls(response)
        data = as_dict(response)
        words = tuple(
            (str(w.get("word", "")), float(w.get("start") or 0.0), float(w.get("end") or 0.0))
            for w in data.get("words") or []
            if isinstance(w, Mapping)
        )
        raw_segments = [s for s in data.get("segments") or [] if isinstance(s, Mapping)]
        segments = tuple(
            (
                _segment_id(s.get("id", i)),
                float(s.get("start") or 0.0),
                float(s.get("end") or 0.0),
                str(s.get("text", "")),
            )
            for i, s in enumerate(raw_segments)
        )
        speakers = tuple(str(s.get("speaker") or "") for s in raw_segments)
        duration = data.get("duration")
        return cls(
            str(data.get("text") or ""),
            language=data.get("language"),
            duration=float(duration) if duration is not None else None,
            words=words,
            segments=segments,
            request_id=getattr(response, "_request_id", None),
            speakers=speakers if any(speakers) else (),
            usage=data.get("usage"),
            logprobs=len(data.get("logprobs") or []),
        )

    @property
    def diarized(self) -> bool:
        return bool(self.speakers)

    def __repr__(self) -> str:
        return (
            f"<TranscriptView {len(self.text)} chars, {h.plural(len(self.segments), 'segment')}, "
            f"{h.plural(len(self.words), 'word')}>"
        )

    def _summary(self) -> str:
        speakers = len(set(self.speakers))
        parts = [
            f"language: {self.language}" if self.language else "",
            f"duration: {self.duration:.2f} s" if self.duration is not None else "",
            h.plural(len(self.segments), "segment") if self.segments else "",
            h.plural(speakers, "speaker") if speakers else "",
            h.plural(len(self.words), "word") if self.words else "",
            f"streamed in {h.plural(self.streamed, 'delta')}" if self.streamed else "",
            f"logprobs for {h.plural(self.logprobs, 'token')}" if self.logprobs else "",
            describe_transcript_usage(self.usage),
            f"request id: {self.request_id}" if self.request_id else "",
        ]
        return " · ".join(p for p in parts if p)

    def to_text(self) -> str:
        lines = [f"transcript: {self._summary()}".rstrip(": "), self.text]
        if self.diarized:
            width = max(len(s) for s in self.speakers)
            lines += ["", "segments:"] + [
                f"  {who:<{width}}  {_ms(s)} - {_ms(e)}  {t.strip()}"
                for who, (_, s, e, t) in zip(self.speakers, self.segments, strict=True)
            ]
        elif self.segments:
            lines += ["", "segments:"] + [
                f"  {t.strip()} : {_ms(s)} - {_ms(e)}" for _, s, e, t in self.segments
            ]
        if self.words:
            shown = self.words[:MAX_WORD_ROWS]
            lines += ["", "words:"] + [f"  {w.strip()} : {_ms(s)} - {_ms(e)}" for w, s, e in shown]
            if len(self.words) > MAX_WORD_ROWS:
                lines.append(f"  … {len(self.words) - MAX_WORD_ROWS} more")
        return "\n".join(lines)

    def to_html(self) -> str:
        parts = [h.line(h.badge("transcript"), h.esc(self._summary())), h.Raw(f"<p>{h.esc(self.text)}</p>")]
        if self.diarized:
            colours = speaker_colours(self.speakers)
            rows: list[tuple[object, ...]] = [
                (_speaker_chip(who, colours[who]) if who else "", _ms(s), _ms(e), t.strip())
                for who, (_, s, e, t) in zip(self.speakers, self.segments, strict=True)
            ]
            parts.append(h.table(("speaker", "start", "end", "text"), rows))
        elif self.segments:
            rows = [(i, _ms(s), _ms(e), t.strip()) for i, s, e, t in self.segments]
            parts.append(h.table(("segment", "start", "end", "text"), rows))
        if self.words:
            rows2 = [(w.strip(), _ms(s), _ms(e)) for w, s, e in self.words[:MAX_WORD_ROWS]]
            summary = f"<summary>{len(self.words)} words with timestamps</summary>"
            parts.append(h.Raw(f"<details>{summary}{h.table(('word', 'start', 'end'), rows2)}</details>"))
        return h.box(*parts)

    def words_dataframe(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(list(self.words), columns=["word", "start", "end"])

    def segments_dataframe(self) -> pd.DataFrame:
        """Columns id, start, end, text (and speaker, for a diarized transcript)."""
        import pandas as pd

        frame = pd.DataFrame(list(self.segments), columns=["id", "start", "end", "text"])
        if self.diarized:
            frame["speaker"] = list(self.speakers)
        return frame

    def plot(self, ax: Axes | None = None) -> Axes:
        return plot_transcript_timeline(self, ax=ax)


def _segment_id(value: Any) -> int | str:
    """Whisper numbers its segments (0, 1 ...); diarize names them (``seg_1`` ...)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)


def plot_transcript_timeline(transcript: Any, ax: Axes | None = None) -> Axes:
    """Segments (top lane) and words (bottom lane) of a verbose transcript on a time axis in seconds; for a
    diarized transcript one lane per speaker, in the speaker's colour.

    ``transcript``: a ``TranscriptionVerbose`` / ``TranslationVerbose`` from the SDK, its dict, or a
    ``TranscriptView``. Returns the axes it drew on (a new figure's when ``ax`` is None).
    """
    view = transcript if isinstance(transcript, TranscriptView) else TranscriptView.from_response(transcript)
    if not view.segments and not view.words:
        raise ValueError(
            "This transcript has no timestamps: request response_format='verbose_json' with "
            "timestamp_granularities=['word', 'segment'] (whisper), or response_format='diarized_json' "
            "(gpt-4o-transcribe-diarize)."
        )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(10, 2.6))
    lanes = []
    if view.diarized:
        for who, colour in speaker_colours(view.speakers).items():
            spans = [
                (s, e, t.strip())
                for w, (_, s, e, t) in zip(view.speakers, view.segments, strict=True)
                if w == who
            ]
            lanes.append((f"speaker {who}", spans, colour))
    elif view.segments:
        lanes.append(("segments", [(s, e, t.strip()) for _, s, e, t in view.segments], "#0969da"))
    if view.words:
        lanes.append(("words", [(s, e, w.strip()) for w, s, e in view.words], "#8250df"))
    for lane, (name, spans, colour) in enumerate(reversed(lanes)):
        ax.broken_barh([(s, max(e - s, 0.01)) for s, e, _ in spans], (lane - 0.35, 0.7),
                       facecolors=colour, alpha=0.35, edgecolor=colour)  # fmt: skip
        for s, e, label in spans:
            ax.text((s + e) / 2, lane, h.shorten(label, 40), ha="center", va="center", fontsize=7, clip_on=True,
                    rotation=90 if name == "words" else 0)  # fmt: skip
    ax.set_yticks(range(len(lanes)), [name for name, _, _ in reversed(lanes)])
    end = max([e for _, spans, _ in lanes for _, e, _ in spans] + [view.duration or 0.0])
    ax.set_xlim(0, end if end > 0 else 1.0)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("time (s)")
    ax.set_title("transcript timeline")
    return ax
