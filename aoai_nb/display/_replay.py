"""A one-line note under a result that a replaying emulator answered from a recording, not a live model."""

from __future__ import annotations

from dataclasses import dataclass

from aoai_nb.display import _html as h
from aoai_nb.display._base import View


@dataclass(frozen=True, repr=False)
class ReplayNote(View):
    recording: str

    def __repr__(self) -> str:
        return f"<ReplayNote {self.recording}>"

    def to_text(self) -> str:
        return f"replayed: recorded answer {self.recording} (aoai-nb emulator --replay), not a live call"

    def to_html(self) -> str:
        text = f"recorded answer {self.recording} (aoai-nb emulator --replay), not a live call"
        return h.line(h.badge("replayed"), h.esc(text), muted=True)
