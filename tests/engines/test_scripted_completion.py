"""The scripted legacy-completions engine."""

from __future__ import annotations

from aoai_nb.emulator.engines.base import CompletionRequest, SamplingParams
from aoai_nb.emulator.engines.scripted import ScriptedCompletionEngine, count_tokens

from .helpers import drain, text_of

ENGINE = ScriptedCompletionEngine()


def test_continuation_is_labelled_and_describes_the_prompt() -> None:
    deltas, finish = drain(ENGINE.complete(CompletionRequest("Once upon a time")))
    text = text_of(deltas)
    assert text.startswith(" [scripted completion]")
    assert 'has 4 tokens and ends "Once upon a time"' in text
    assert finish.finish_reason == "stop"
    assert finish.prompt_tokens == 4
    assert finish.completion_tokens == count_tokens(text) == len(deltas)


def test_suffix_is_mentioned() -> None:
    text = text_of(drain(ENGINE.complete(CompletionRequest("def add(a, b):", suffix="return total")))[0])
    assert 'The suffix "return total" would follow this insertion.' in text


def test_max_tokens_and_stop() -> None:
    deltas, finish = drain(ENGINE.complete(CompletionRequest("Hi", SamplingParams(max_tokens=16))))
    assert (finish.finish_reason, finish.completion_tokens, len(deltas)) == ("length", 16, 16)
    deltas, finish = drain(ENGINE.complete(CompletionRequest("Hi", SamplingParams(stop=("This",)))))
    assert text_of(deltas) == " [scripted completion] "
    assert finish.finish_reason == "stop"


def test_logprobs_and_determinism() -> None:
    request = CompletionRequest("Hi", SamplingParams(logprobs=True, top_logprobs=5, seed=3))
    first = list(ENGINE.complete(request, 2))
    assert first == list(ENGINE.complete(request, 2))
    deltas, _ = drain(iter(first))
    assert all(len(d.logprobs) == 1 and len(d.logprobs[0].top) == 5 for d in deltas)


def test_choices_differ_above_temperature_zero_only() -> None:
    cold = CompletionRequest("Hi", SamplingParams(temperature=0))
    assert len({text_of(drain(ENGINE.complete(cold, i))[0]) for i in range(4)}) == 1
    warm = CompletionRequest("Hi", SamplingParams(temperature=1))
    assert len({text_of(drain(ENGINE.complete(warm, i))[0]) for i in range(6)}) > 1
