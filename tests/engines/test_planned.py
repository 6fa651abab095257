"""A planned generation (the scripted engines') iterates like a generator, hands a collected answer its texts at
once and a stream its next texts in bulk; every way gives the same answer."""

from __future__ import annotations

import pytest

from aoai_nb.emulator.engines.base import Finish, Planned, TextDelta
from aoai_nb.emulator.engines.scripted.tokens import emit_text
from aoai_nb.emulator.text_shapes import collect

DONE = Finish("stop", 1, 3)


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
    assert len(at_once.logprobs) == (6 if logprobs else 0)
    iterated = [d.logprobs for d in _planned(logprobs) if isinstance(d, TextDelta)]
    assert iterated == ([(lp,) for lp in at_once.logprobs] if logprobs else [()] * 6)


def test_take_all_only_before_iteration() -> None:
    planned = Planned(["a", "b"], Finish("stop", 1, 2))
    assert next(planned) == TextDelta("a") and not planned.unread
    with pytest.raises(RuntimeError, match="iterated"):
        planned.take_all()
    assert list(planned) == [TextDelta("b"), Finish("stop", 1, 2)]
    fresh = Planned(["a"], Finish("stop", 1, 1))
    assert fresh.take_all() == (["a"], [], Finish("stop", 1, 1))
    assert list(fresh) == []  # used up


def test_take_texts_in_bulk_then_the_finish_when_it_fits() -> None:
    planned = Planned(["a", "b", "c"], DONE)
    assert next(planned) == TextDelta("a")
    assert planned.take_texts(1) == (["b"], None)
    assert planned.take_texts(1) == (["c"], None)  # no room left for the Finish
    assert planned.take_texts(1) == ([], DONE)
    with pytest.raises(RuntimeError, match="after the Finish"):
        planned.take_texts(1)
    whole = Planned(["a", "b", "c"], DONE)
    assert whole.take_texts(10) == (["a", "b", "c"], DONE)
    assert list(whole) == []


def test_one_logprob_per_text() -> None:
    with pytest.raises(ValueError, match="one logprob per text"):
        Planned(["a", "b"], DONE, [])
