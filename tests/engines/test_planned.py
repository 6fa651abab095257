"""A planned generation (the scripted engines') iterates like a generator and hands a collected answer every
item at once; both give the same answer."""

from __future__ import annotations

import pytest

from aoai_nb.emulator.engines.base import Finish, Planned, TextDelta
from aoai_nb.emulator.engines.scripted.tokens import emit_text
from aoai_nb.emulator.text_shapes import collect


def _planned(logprobs: bool = False) -> Planned:
    return emit_text(
        "Hello, workshop! Tokens come one by one.",
        prompt_tokens=9,
        max_tokens=6,
        stop=(),
        logprobs=logprobs,
        top_logprobs=2,
    )


@pytest.mark.parametrize("logprobs", [False, True])
def test_collected_at_once_equals_collected_item_by_item(logprobs: bool) -> None:
    at_once = collect(_planned(logprobs))
    one_by_one = collect(iter(list(_planned(logprobs))))  # a plain iterator: the general path
    assert at_once == one_by_one
    assert at_once.text == "Hello, workshop! Tokens come"  # max_tokens 6
    assert at_once.finish == Finish("length", prompt_tokens=9, completion_tokens=6)
    assert all(len(d.logprobs) == (1 if logprobs else 0) for d in at_once.deltas)


def test_take_all_only_before_iteration() -> None:
    planned = Planned([TextDelta("a"), TextDelta("b")], Finish("stop", 1, 2))
    assert next(planned) == TextDelta("a") and not planned.unread
    with pytest.raises(RuntimeError, match="iterated"):
        planned.take_all()
    assert list(planned) == [TextDelta("b"), Finish("stop", 1, 2)]
    fresh = Planned([TextDelta("a")], Finish("stop", 1, 1))
    assert fresh.take_all() == ([TextDelta("a")], Finish("stop", 1, 1))
    assert list(fresh) == []  # used up
