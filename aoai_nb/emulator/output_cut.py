"""Where the output filter cuts a reply, and how many completion tokens it then counts: one rule for streamed
choices (``stream_choice.Choice``) and collected answers (``routes.text``), which are the same choice, collected.

A reply goes out one delta (one token) at a time. After each delta, ``after_delta`` decides whether the filter
cuts here: the header trigger lets OUTPUT_CUT_AFTER_DELTAS deltas out, the heuristic scores a window of the text
every HEURISTIC_EVERY deltas. A reply not cut on the way is judged whole by ``at_end``. An early cut counts the
deltas sent; otherwise the engine's own count stands.
"""

from __future__ import annotations

from collections.abc import Sequence

from aoai_nb.emulator.engines.base import Finish
from aoai_nb.emulator.runtime import Call, Runtime
from aoai_nb.emulator.safety import HEURISTIC_EVERY, OUTPUT_CUT_AFTER_DELTAS, heuristic_window
from aoai_nb.emulator.wire import Annotation


class OutputCut:
    def __init__(self, rt: Runtime, call: Call) -> None:
        self.rt, self.call = rt, call
        self.triggered = call.triggers.output.filtered  # the header trigger cuts after a few deltas

    @property
    def may_cut_early(self) -> bool:
        """Whether anything can cut the reply before its end (else only ``at_end`` judges it)."""
        return self.triggered or self.rt.filter.active

    def check_due(self, sent: int) -> bool:
        """Whether the heuristic scores the output after ``sent`` deltas (what is sent goes out first)."""
        return sent % HEURISTIC_EVERY == 0 and self.rt.filter.active

    async def after_delta(self, texts: list[str]) -> Annotation | None:
        """The annotation that cuts the reply right after its ``len(texts)`` deltas were sent, or None."""
        if self.triggered and len(texts) >= OUTPUT_CUT_AFTER_DELTAS:
            return self.call.triggers.output
        if self.check_due(len(texts)):
            annotation = await self.rt.filter.output(heuristic_window(texts), self.call.triggers)
            if annotation.filtered:
                return annotation
        return None

    async def at_end(self, texts: list[str]) -> Annotation:
        """The verdict on a whole reply that was not cut on the way (filtered or not: choices report it)."""
        if self.rt.filter.active:
            return await self.rt.filter.reply(texts, self.call.triggers)
        return self.call.triggers.output


def counts_as_cut(annotation: Annotation, finish: Finish | None) -> bool:
    """A filtered verdict cuts a reply, but never a reply that is tool calls (those carry no text to hide)."""
    return annotation.filtered and not (finish is not None and finish.tool_calls)


def completion_tokens(sent: int, cut_early: bool, finish: Finish | None) -> int:
    """What usage counts: the deltas sent (one token each) when cut before the engine finished, else the engine's
    count."""
    if cut_early or finish is None:
        return sent
    return finish.completion_tokens


async def collected_cut(
    rule: OutputCut, texts: Sequence[str], finish: Finish
) -> tuple[Annotation, bool, int]:
    """A collected reply run through the stream's rule: (annotation, cut, completion tokens)."""
    sent: list[str] = []
    if rule.may_cut_early:
        for text in texts:
            sent.append(text)
            annotation = await rule.after_delta(sent)
            if annotation is not None:
                return annotation, True, completion_tokens(len(sent), True, finish)
    else:
        sent = list(texts)
    annotation = await rule.at_end(sent)
    return annotation, counts_as_cut(annotation, finish), completion_tokens(len(sent), False, finish)
