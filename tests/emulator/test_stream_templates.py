"""A stream's content events are filled into bytes encoded once: they must equal encoding each event whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aoai_nb.emulator.engines.base import TextDelta
from aoai_nb.emulator.stream_choice import SLOT, DeltaTemplate
from aoai_nb.emulator.wire import sse_event


def _event(text: str) -> dict[str, object]:
    return {"choices": [{"delta": {"content": text}, "index": 0, "content_filter_results": {}}], "id": "x"}


@given(st.text())
def test_a_filled_template_is_the_whole_event_encoded(text: str) -> None:
    assert DeltaTemplate(sse_event(_event(SLOT)))(TextDelta(text)) == sse_event(_event(text))


@given(st.lists(st.text(), max_size=8))
def test_many_texts_are_their_events_one_after_another(texts: list[str]) -> None:
    template = DeltaTemplate(sse_event(_event(SLOT)))
    assert template.many(texts) == b"".join(sse_event(_event(text)) for text in texts)


def test_tricky_texts() -> None:
    fill = DeltaTemplate(sse_event(_event(SLOT)))
    for text in ('"', "\\", "\n", "\u2028", "é", "🦜", "", "data: [DONE]"):
        assert fill(TextDelta(text)) == sse_event(_event(text))


def test_an_event_without_the_slot_is_refused() -> None:
    try:
        DeltaTemplate(sse_event(_event("no slot here")))
    except ValueError as exc:
        assert "no slot" in str(exc)
    else:
        raise AssertionError("DeltaTemplate took an event without a slot")
