"""Transcripts and translations: text, words and segments with their times, and a timeline plot.

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


def _ms(seconds: float) -> str:
    return f"{round(seconds * 1000)} ms"


@dataclass(frozen=True, repr=False)
class TranscriptView(View):
    """A transcription or translation: text; words and segments with their times (seconds)."""

    text: str
    language: str | None = None
    duration: float | None = None
    words: tuple[tuple[str, float, float], ...] = ()  # (word, start, end)
    segments: tuple[tuple[int, float, float, str], ...] = ()  # (id, start, end, text)
    request_id: str | None = None

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
        segments = tuple(
            (
                int(s.get("id", i)),
                float(s.get("start") or 0.0),
                float(s.get("end") or 0.0),
                str(s.get("text", "")),
            )
            for i, s in enumerate(data.get("segments") or [])
            if isinstance(s, Mapping)
        )
        duration = data.get("duration")
        return cls(
            str(data.get("text") or ""),
            language=data.get("language"),
            duration=float(duration) if duration is not None else None,
            words=words,
            segments=segments,
            request_id=getattr(response, "_request_id", None),
        )

    def __repr__(self) -> str:
        return (
            f"<TranscriptView {len(self.text)} chars, {h.plural(len(self.segments), 'segment')}, "
            f"{h.plural(len(self.words), 'word')}>"
        )

    def _summary(self) -> str:
        parts = [
            f"language: {self.language}" if self.language else "",
            f"duration: {self.duration:.2f} s" if self.duration is not None else "",
            h.plural(len(self.segments), "segment") if self.segments else "",
            h.plural(len(self.words), "word") if self.words else "",
            f"request id: {self.request_id}" if self.request_id else "",
        ]
        return " · ".join(p for p in parts if p)

    def to_text(self) -> str:
        lines = [f"transcript: {self._summary()}".rstrip(": "), self.text]
        if self.segments:
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
        if self.segments:
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
        import pandas as pd

        return pd.DataFrame(list(self.segments), columns=["id", "start", "end", "text"])

    def plot(self, ax: Axes | None = None) -> Axes:
        return plot_transcript_timeline(self, ax=ax)


def plot_transcript_timeline(transcript: Any, ax: Axes | None = None) -> Axes:
    """Segments (top lane) and words (bottom lane) of a verbose transcript on a time axis in seconds.

    ``transcript``: a ``TranscriptionVerbose`` / ``TranslationVerbose`` from the SDK, its dict, or a
    ``TranscriptView``. Returns the axes it drew on (a new figure's when ``ax`` is None).
    """
    view = transcript if isinstance(transcript, TranscriptView) else TranscriptView.from_response(transcript)
    if not view.segments and not view.words:
        raise ValueError(
            "This transcript has no timestamps: request response_format='verbose_json' with "
            "timestamp_granularities=['word', 'segment']."
        )
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(10, 2.6))
    lanes = []
    if view.segments:
        lanes.append(("segments", [(s, e, t.strip()) for _, s, e, t in view.segments], "#0969da"))
    if view.words:
        lanes.append(("words", [(s, e, w.strip()) for w, s, e in view.words], "#8250df"))
    for lane, (name, spans, colour) in enumerate(reversed(lanes)):
        ax.broken_barh([(s, max(e - s, 0.01)) for s, e, _ in spans], (lane - 0.35, 0.7),
                       facecolors=colour, alpha=0.35, edgecolor=colour)  # fmt: skip
        for s, e, label in spans:
            ax.text((s + e) / 2, lane, label, ha="center", va="center", fontsize=7, clip_on=True,
                    rotation=90 if name == "words" else 0)  # fmt: skip
    ax.set_yticks(range(len(lanes)), [name for name, _, _ in reversed(lanes)])
    end = max([e for _, spans, _ in lanes for _, e, _ in spans] + [view.duration or 0.0])
    ax.set_xlim(0, end if end > 0 else 1.0)
    ax.set_ylim(-0.6, len(lanes) - 0.4)
    ax.set_xlabel("time (s)")
    ax.set_title("transcript timeline")
    return ax
