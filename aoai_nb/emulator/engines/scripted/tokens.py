"""The scripted engines' tokenizer, pseudo-logprobs and stop/max_tokens rules (chat and completions).

Token rule (documented in docs/engines.md): a token is a run of word characters (``\\w+``) or one other
non-space character, together with the whitespace before it. ``"Hello, world!"`` is 4 tokens:
``"Hello"``, ``","``, ``" world"``, ``"!"``. It is not a BPE tokenizer; counts are close to, not equal to,
what Azure bills.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re

from aoai_nb.emulator.engines.base import Finish, FinishReason, Planned, TokenLogprob, ToolCall

_TOKEN = re.compile(r"\s*\w+|\s*\S")  # = \s*(?:\w+|[^\w\s]): \S is tried only where \w+ failed; faster
_ASCII_SPACE = r"\t-\r\x1c-\x20"  # the ASCII characters that \s (str.isspace) matches
_ASCII_TOKEN = re.compile(
    rf"[{_ASCII_SPACE}]*(?:\w+|[^\w{_ASCII_SPACE}])", re.ASCII
)  # the same on ASCII text, faster


def _find_tokens(text: str) -> list[str]:
    return (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)


_ALTERNATIVES = (
    ",",
    ".",
    *(f" {w}" for w in "the a and of to is in it that for on with as this be at by".split()),
)


def stable_hash(*parts: object) -> int:
    """A 64-bit hash of ``parts`` that is the same in every process (unlike ``hash()``)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into tokens that concatenate back to ``text`` (trailing whitespace joins the last)."""
    pieces = _find_tokens(text)
    rest = text[sum(map(len, pieces)) :]
    if rest:
        if pieces:
            pieces[-1] += rest
        else:
            pieces.append(rest)
    return pieces


def count_tokens(text: str) -> int:
    """Number of tokens in ``text`` by the scripted rule (whitespace alone counts nothing)."""
    return len(_find_tokens(text))


@functools.lru_cache(maxsize=8192)  # pure: the n choices of one request repeat the same tokens and positions
def pseudo_logprobs(token: str, position: int, top: int) -> TokenLogprob:
    """Deterministic, made-up log-probabilities for one token: a scripted engine samples nothing.

    The chosen token gets probability 0.4-0.98 and is always the most likely; ``top`` entries follow (the
    chosen one first) with decreasing probabilities that sum to less than 1.
    """
    h = stable_hash("logprob", token, position)
    chosen = 0.4 + (h % 1000) / 1000 * 0.58
    remaining = 1.0 - chosen
    entries: list[tuple[str, float]] = [(token, round(math.log(chosen), 6))]
    for k in range(1, top):
        alternative = _ALTERNATIVES[stable_hash(h, k) % len(_ALTERNATIVES)]
        if any(alternative == e[0] for e in entries):
            alternative = f"{alternative.strip() or '_'}{k}"
        jitter = 0.8 + (stable_hash(h, "jitter", k) % 100) / 500  # 0.8 .. 1.0
        probability = remaining * 0.6 * 0.4 ** (k - 1) * jitter
        entries.append((alternative, round(math.log(probability), 6)))
    return TokenLogprob(token=token, logprob=entries[0][1], top=tuple(entries[:top]))


def cut_at_stop(text: str, stop: tuple[str, ...]) -> tuple[str, bool]:
    """Cut ``text`` before the earliest stop sequence; report whether one was found."""
    positions = [text.find(s) for s in stop if s]
    positions = [p for p in positions if p >= 0]
    if not positions:
        return text, False
    return text[: min(positions)], True


def emit_text(
    text: str,
    *,
    prompt_tokens: int,
    max_tokens: int | None,
    stop: tuple[str, ...],
    logprobs: bool,
    top_logprobs: int,
) -> Planned:
    """``text`` token by token, honouring stop sequences then ``max_tokens``, then a Finish: planned at once."""
    text, _stopped = cut_at_stop(text, stop)
    tokens = split_tokens(text)
    reason: FinishReason = "stop"
    if max_tokens is not None and count_tokens(text) > max_tokens:
        tokens = tokens[:max_tokens]
        reason = "length"
    finish = Finish(finish_reason=reason, prompt_tokens=prompt_tokens, completion_tokens=len(tokens))
    if logprobs:
        return Planned(tokens, finish, [pseudo_logprobs(t, i, top_logprobs) for i, t in enumerate(tokens)])
    return Planned(tokens, finish)


def finish_with_tool_calls(prompt_tokens: int, calls: tuple[ToolCall, ...]) -> Finish:
    spent = sum(count_tokens(c.name) + count_tokens(c.arguments) for c in calls)
    return Finish("tool_calls", prompt_tokens=prompt_tokens, completion_tokens=spent, tool_calls=calls)
