"""Small builders shared by the engine tests."""

from __future__ import annotations

from aoai_nb.emulator.engines.base import (
    ChatMessage,
    ChatRequest,
    Finish,
    Generation,
    SamplingParams,
    TextDelta,
)


def user(text: str, **sampling: object) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage("user", text),), sampling=SamplingParams(**sampling))  # type: ignore[arg-type]


def drain(generation: Generation) -> tuple[list[TextDelta], Finish]:
    """All deltas and the single final Finish; fails if the shape is wrong."""
    items = list(generation)
    assert items, "a generation yields at least a Finish"
    *deltas, finish = items
    assert isinstance(finish, Finish)
    assert all(isinstance(d, TextDelta) for d in deltas)
    return deltas, finish  # type: ignore[return-value]


def text_of(deltas: list[TextDelta]) -> str:
    return "".join(d.text for d in deltas)
