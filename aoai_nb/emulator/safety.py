"""The emulator's content filter: reproducible triggers through a header, plus an optional heuristic.

Header grammar (``x-aoai-nb-filter``), comma-separated items, case-insensitive::

    prompt:<category>=<severity>     category: hate | sexual | violence | self_harm
    output:<category>=<severity>     severity: safe | low | medium | high (medium and high are filtered)
    prompt:jailbreak | prompt:indirect_attack | prompt:profanity
    output:protected_material_text | output:protected_material_code | output:profanity

A filtered prompt is answered with Azure's 400 ``content_filter`` error; a filtered output ends the choice with
``finish_reason: "content_filter"`` (HTTP 200). Profanity is annotated, never filtered (Azure's default).
The heuristic asks the engine set's moderation engine (if any, and unless switched off) to score the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import anyio.to_thread

from aoai_nb.emulator.engines.base import ModerationEngine
from aoai_nb.emulator.wire import (
    CATEGORIES,
    OUTPUT_FLAGS,
    PROMPT_FLAGS,
    SAFE,
    SEVERITIES,
    Annotation,
    echo,
    invalid_request,
)

FILTER_HEADER = "x-aoai-nb-filter"
GRAMMAR = (
    "comma-separated items like 'prompt:violence=high', 'output:sexual=medium', 'prompt:jailbreak'; "
    f"categories {'|'.join(CATEGORIES)}; severities {'|'.join(SEVERITIES)}; prompt flags "
    f"{'|'.join(PROMPT_FLAGS)}; output flags {'|'.join(OUTPUT_FLAGS)}"
)
OUTPUT_CUT_AFTER_DELTAS = 2  # a header-triggered output filter lets this many stream deltas through first
HEURISTIC_EVERY = 64  # stream deltas between two heuristic checks of the output (see heuristic_window)
HEURISTIC_OVERLAP = 16  # deltas before the new ones that a check scores again (see heuristic_window)
HEURISTIC_WINDOW = HEURISTIC_EVERY + HEURISTIC_OVERLAP


@dataclass(frozen=True)
class FilterTriggers:
    prompt: Annotation = SAFE
    output: Annotation = SAFE
    given: bool = False


@dataclass
class _Side:
    severities: dict[str, str] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, "safe"))
    detected: set[str] = field(default_factory=set)

    def annotation(self) -> Annotation:
        return Annotation(dict(self.severities), frozenset(self.detected))


def _malformed(raw: str, item: str) -> Exception:
    return invalid_request(
        f"Header {FILTER_HEADER} value {echo(raw)} is malformed at {echo(item, 40)}: use {GRAMMAR}.",
        param=FILTER_HEADER,
    )


def parse_filter_header(headers: Mapping[str, str]) -> FilterTriggers:
    raw = headers.get(FILTER_HEADER)
    if raw is None:
        return FilterTriggers()
    sides = {"prompt": _Side(), "output": _Side()}
    items = [item.strip().lower() for item in raw.split(",")]
    if not any(items):
        raise _malformed(raw, raw)
    for item in items:
        where, colon, what = item.partition(":")
        side = sides.get(where.strip())
        if not colon or side is None:
            raise _malformed(raw, item)
        name, equals, severity = (part.strip() for part in what.partition("="))
        flags = PROMPT_FLAGS if where.strip() == "prompt" else OUTPUT_FLAGS
        if equals and name in CATEGORIES and severity in SEVERITIES:
            side.severities[name] = severity
        elif not equals and name in flags:
            side.detected.add(name)
        else:
            raise _malformed(raw, item)
    return FilterTriggers(sides["prompt"].annotation(), sides["output"].annotation(), given=True)


class ContentFilter:
    def __init__(self, moderation: ModerationEngine | None, heuristic: bool = True) -> None:
        self.moderation = moderation
        self.heuristic = heuristic

    @property
    def active(self) -> bool:
        return self.heuristic and self.moderation is not None

    def describe(self) -> dict[str, object]:
        return {
            "header": FILTER_HEADER,
            "grammar": GRAMMAR,
            "heuristic": self.active,
            "moderation_engine": self.moderation.name if self.moderation else None,
            "filtered_at": ["medium", "high"],
        }

    async def score(self, texts: list[str]) -> list[Annotation]:
        """The heuristic's annotation per text (all safe when it is off)."""
        moderation = self.moderation
        if not self.heuristic or moderation is None or not texts:
            return [SAFE for _ in texts]
        scores = await anyio.to_thread.run_sync(moderation.score, texts, abandon_on_cancel=True)
        return [Annotation({c: str(s.get(c, "safe")) for c in CATEGORIES}) for s in scores]

    async def prompts(self, texts: list[str], triggers: FilterTriggers) -> list[Annotation]:
        return [a.merged(triggers.prompt) for a in await self.score(texts)]

    async def reply(self, texts: list[str], triggers: FilterTriggers) -> Annotation:
        """The end-of-reply verdict on a reply's deltas ``texts``: every text of ``final_texts``, worst wins."""
        annotation = triggers.output
        for scored in await self.score(final_texts(texts)):
            annotation = annotation.merged(scored)
        return annotation

    async def output(self, text: str, triggers: FilterTriggers) -> Annotation:
        """Score the output ``text`` (a whole reply, or a stream's window) merged with the header trigger."""
        if not text:
            return triggers.output
        (scored,) = await self.score([text])
        return scored.merged(triggers.output)


def heuristic_window(texts: list[str]) -> str:
    """What a check during a stream scores: the text of the last HEURISTIC_WINDOW deltas (the new ones and
    HEURISTIC_OVERLAP before, so a phrase across two checks is seen whole). Scoring a window instead of the whole
    text so far keeps each check's cost flat (the moderation model reads 80 deltas, not the whole reply again)
    and reaches text past a model's input limit (MiniLM reads 256 word pieces); the end: ``final_texts``. A check
    costs ~0.3 ms of CPU per delta scored, taken from the cores a local chat model generates on: checking every
    64 deltas, each scored 1.25 times, costs less than every 16, each scored twice (docs/local-models.md)."""
    return "".join(texts[-HEURISTIC_WINDOW:])


def final_texts(texts: list[str]) -> list[str]:
    """What the end-of-reply check scores: the whole reply and, when deltas came after the last window check,
    those deltas with HEURISTIC_OVERLAP before them. The model reads only the start of a long whole reply (MiniLM:
    256 word pieces), so without the tail no check would score a long reply's end."""
    whole = "".join(texts)
    if not whole:
        return []
    rest = len(texts) % HEURISTIC_EVERY
    if len(texts) > HEURISTIC_EVERY and rest:
        return [whole, "".join(texts[-(rest + HEURISTIC_OVERLAP) :])]
    return [whole]
