"""Plots (matplotlib is imported inside each function, never at import)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


def plot_transcript_timeline(transcript: Any, ax: Axes | None = None) -> Axes:
    """Segments (top lane) and words (bottom lane) of a verbose transcript on a time axis in seconds.

    ``transcript``: a ``TranscriptionVerbose`` / ``TranslationVerbose`` from the SDK, its dict, or a
    ``TranscriptView``. Returns the axes it drew on (a new figure's when ``ax`` is None).
    """
    from aoai_nb.display.audio import TranscriptView

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
