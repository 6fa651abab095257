"""A stream's content events are filled into bytes encoded once: they must equal encoding each event whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aoai_nb.emulator.engines.base import TextDelta
from aoai_nb.emulator.streams import SLOT, delta_template
from aoai_nb.emulator.wire import sse_event


def _event(text: str) -> dict[str, object]:
    return {"choices": [{"delta": {"content": text}, "index": 0, "content_filter_results": {}}], "id": "x"}


@given(st.text())
def test_a_filled_template_is_the_whole_event_encoded(text: str) -> None:
    assert delta_template(sse_event(_event(SLOT)))(TextDelta(text)) == sse_event(_event(text))


def test_tricky_texts() -> None:
    fill = delta_template(sse_event(_event(SLOT)))
    for text in ('"', "\\", "\n", "\u2028", "é", "🦜", "", "data: [DONE]"):
        assert fill(TextDelta(text)) == sse_event(_event(text))
