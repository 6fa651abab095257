"""From llama.cpp's OpenAI-shaped stream chunks to the engine protocol's TextDelta items and one Finish."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal

from aoai_nb.emulator.engines.base import Finish, FinishReason, Generation, TextDelta, TokenLogprob, ToolCall
from aoai_nb.emulator.engines.local.llm_prompt import parse_tool_call


def _logprobs(choice: dict[str, Any], top_n: int) -> tuple[TokenLogprob, ...]:
    entries = (choice.get("logprobs") or {}).get("content") or []
    return tuple(
        TokenLogprob(
            token=e["token"],
            logprob=float(e["logprob"]),
            top=tuple((t["token"], float(t["logprob"])) for t in (e.get("top_logprobs") or [])[:top_n]),
        )
        for e in entries
    )


def generate(
    count_tokens: Callable[[str], int],
    chunks: Iterator[dict[str, Any]],
    text_key: Literal["delta", "text"],
    top_n: int,
    note: str = "",
    functions: list[dict[str, Any]] | None = None,
) -> Generation:
    """Turn llama.cpp chunks into TextDelta items and one Finish; hold back a reply that may be a tool call."""
    first = next(chunks, None)  # raises before anything is yielded when the request is refused
    note_tokens = 0
    if note:
        note_tokens = count_tokens(note)
        yield TextDelta(note)
    held: list[TextDelta] | None = [] if functions else None
    reason: str = "stop"
    usage: dict[str, Any] = {}
    for chunk in _chain(first, chunks) if first is not None else iter(()):
        usage = chunk.get("usage") or usage
        for choice in chunk.get("choices") or []:
            text = (choice.get("delta") or {}).get("content") if text_key == "delta" else choice.get("text")
            logprobs = _logprobs(choice, top_n)
            if text or logprobs:
                delta = TextDelta(text or "", logprobs)
                if held is None:
                    yield delta
                else:
                    held.append(delta)
                    start = "".join(d.text for d in held).lstrip()
                    if start and not start.startswith("{"):  # plain text: stream from here on
                        yield from held
                        held = None
            reason = choice.get("finish_reason") or reason
    calls: tuple[ToolCall, ...] = ()
    if held:
        call = parse_tool_call("".join(d.text for d in held), functions or [])
        if call is not None:
            calls, reason = (call,), "tool_calls"
        else:
            yield from held
    finish: FinishReason = reason if reason in ("stop", "length", "tool_calls") else "stop"  # type: ignore[assignment]
    yield Finish(
        finish_reason=finish,
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)) + note_tokens,
        tool_calls=calls,
    )


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


class CancellableGeneration:
    """A Generation whose ``close()`` may come from any thread, even while another thread waits in ``next()``.

    (Closing a plain generator that is running elsewhere raises "generator already executing".) The flag makes
    llama.cpp stop at its next token; the waiting ``next()`` then returns promptly.
    """

    close_from_any_thread = True  # the HTTP layer may close it while a worker thread waits in next()

    def __init__(self, inner: Iterator[TextDelta | Finish], cancelled: threading.Event) -> None:
        self._inner = inner
        self._cancelled = cancelled

    def __iter__(self) -> CancellableGeneration:
        return self

    def __next__(self) -> TextDelta | Finish:
        return next(self._inner)

    def close(self) -> None:
        self._cancelled.set()
        close = getattr(self._inner, "close", None)
        if close is not None:
            try:
                close()
            except ValueError:  # running in another thread: the flag stops it
                pass
