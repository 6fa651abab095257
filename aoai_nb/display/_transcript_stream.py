"""A streamed transcript (``audio.transcriptions.create(..., stream=True)``), live and then final.

The gpt-4o transcribe models stream server-sent events: ``transcript.text.delta`` (a piece of text),
``transcript.text.segment`` (diarize: a finished segment with its speaker) and ``transcript.text.done`` (the
whole text, with token usage). ``TranscriptStream`` consumes such a stream (an SDK ``Stream`` or any iterable of
events as SDK objects or dicts), updates one output in place while the text arrives, and at the end holds the
final :class:`TranscriptView` in ``.transcript``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Unpack

from aoai_nb.display import _html as h
from aoai_nb.display._filters import as_dict
from aoai_nb.display._live_base import LiveOptions, LiveView
from aoai_nb.display._transcripts import TranscriptView

EVENT_TYPES = ("transcript.text.delta", "transcript.text.segment", "transcript.text.done")


def is_transcript_event(event: Any) -> bool:
    return as_dict(event).get("type") in EVENT_TYPES


class TranscriptStream(LiveView):
    """Consumes a transcript event stream once (live) and replays its deltas; see the module docstring.
    The options are ``LiveView``'s (``live``, ``sink``, ``env``, ``clock``, ``min_interval_s``)."""

    def __init__(self, source: Any, **options: Unpack[LiveOptions]) -> None:
        super().__init__(source, **options)
        self.deltas: list[str] = []
        self.segments: list[dict[str, Any]] = []
        self.final_text: str | None = None
        self.usage: Any = None
        self.logprobs: list[Any] = []
        self.events = 0

    @property
    def text(self) -> str:
        """The final text once ``transcript.text.done`` arrived, else the deltas so far."""
        return self.final_text if self.final_text is not None else "".join(self.deltas)

    @property
    def transcript(self) -> TranscriptView:
        """The transcript as a (non-live) view: text, diarized segments if any, usage."""
        body: dict[str, Any] = {"text": self.text, "usage": self.usage, "logprobs": self.logprobs}
        if self.segments:
            body["segments"] = self.segments
        shown = TranscriptView.from_response(body)
        return TranscriptView(
            shown.text,
            segments=shown.segments,
            speakers=shown.speakers,
            usage=shown.usage,
            logprobs=shown.logprobs,
            streamed=len(self.deltas),
            request_id=self.request_id,
        )

    def __iter__(self) -> Iterator[str]:
        if self.done or self.error is not None:
            return iter(list(self.deltas))
        return self._consume()

    def _consume(self) -> Iterator[str]:
        self._begin()
        try:
            for event in self._source:
                piece = self._take(event)
                if piece:
                    yield piece
            self.done = True
        except Exception as exc:
            self.error = exc
            raise
        finally:
            self._sink.finish(self)

    def _take(self, event: Any) -> str:
        data = as_dict(event)
        self.events += 1
        kind = data.get("type")
        if kind == "transcript.text.delta":
            piece = str(data.get("delta") or "")
            self.logprobs += list(data.get("logprobs") or [])
            if piece:
                self.deltas.append(piece)
                self._show_piece(piece)
            return piece
        if kind == "transcript.text.segment":
            self.segments.append(data)
            self._sink.update(self)
        elif kind == "transcript.text.done":
            self.final_text = str(data.get("text") or "")
            self.usage = data.get("usage")
            if data.get("logprobs"):
                self.logprobs = list(data["logprobs"])
        return ""

    def _state(self) -> str:
        if self.error is not None:
            return f"stopped by {type(self.error).__name__}"
        if self.done:
            return "done" if self.final_text is not None else "ended without transcript.text.done"
        return "streaming…" if self.started_at is not None else "not started"

    def footer_text(self) -> str:
        parts = [
            f"transcript stream: {self._state()}",
            h.plural(len(self.deltas), "delta"),
            f"first text after {self.ttft_s:.2f} s" if self.done and self.ttft_s is not None else "",
            f"request id: {self.request_id}" if self.request_id else "",
        ]
        return " · ".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<TranscriptStream {self._state()} {len(self.text)} chars>"

    def to_text(self) -> str:
        if self.done:
            return self.transcript.to_text()
        return "\n".join([self.text, "", self.footer_text()]).lstrip("\n")

    def to_html(self) -> str:
        if self.done:
            return self.transcript.to_html()
        parts: list[str] = [
            h.line(h.badge("transcript"), h.esc(self.footer_text())),
            h.Raw(f"<p>{h.esc(self.text)}</p>"),
        ]
        parts += self._error_html()
        return h.box(*parts)
