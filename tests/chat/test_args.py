"""chat_args: the right token-limit and sampling arguments for a deployment's model, on both generations."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from aoai_nb import ConfigError, UnknownModelWarning, chat_args, load_settings

HELLO = [{"role": "user", "content": "Hello"}]


def settings(**environ: str) -> Any:
    return load_settings(environ=environ, dotenv=False)


S = settings()


def test_a_reasoning_model_gets_max_completion_tokens_and_no_sampling_values() -> None:
    args = chat_args("gpt-5-mini", max_tokens=100, temperature=0.2, top_p=0.5, settings=S)
    assert args == {"max_completion_tokens": 100}
    assert args.model_info is not None and args.model_info.is_reasoning
    assert args.dropped == {
        "temperature": "gpt-5-mini accepts only temperature=1",
        "top_p": "gpt-5-mini accepts only top_p=1",
    }
    assert chat_args("gpt-5-mini-2025-08-07", temperature=1, settings=S) == {"temperature": 1}  # the default


def test_a_non_reasoning_model_keeps_max_tokens_and_sampling() -> None:
    args = chat_args("gpt-4o", max_tokens=100, temperature=0.2, presence_penalty=0.1, settings=S)
    assert args == {"max_tokens": 100, "temperature": 0.2, "presence_penalty": 0.1}
    assert args.dropped == {}
    reasoning_penalty = chat_args("o4-mini", presence_penalty=0.1, settings=S)
    assert reasoning_penalty == {} and reasoning_penalty.dropped == {"presence_penalty": "o4-mini refuses it"}


def test_reasoning_effort_goes_only_to_models_that_take_that_value() -> None:
    assert chat_args("gpt-5-mini", reasoning_effort="minimal", settings=S) == {"reasoning_effort": "minimal"}
    old = chat_args("gpt-4o-mini", max_tokens=5, reasoning_effort="low", settings=S)
    assert old == {"max_tokens": 5} and old.dropped == {
        "reasoning_effort": "gpt-4o-mini is not a reasoning model"
    }
    with pytest.raises(ValueError, match=r"use one of minimal, low, medium, high \(default medium\)"):
        chat_args("gpt-5-mini", reasoning_effort="none", settings=S)


def test_a_deployment_named_otherwise_is_resolved_by_setting_or_argument() -> None:
    mapped = settings(AOAI_NB_DEPLOYMENT_MODELS="team-chat=gpt-5-mini, old-chat = gpt-4o")
    assert mapped.deployment_models == {"team-chat": "gpt-5-mini", "old-chat": "gpt-4o"}
    assert chat_args("team-chat", max_tokens=9, settings=mapped) == {"max_completion_tokens": 9}
    assert chat_args("old-chat", max_tokens=9, settings=mapped) == {"max_tokens": 9}
    assert chat_args("team-chat", max_tokens=9, model="gpt-4.1-mini", settings=mapped) == {"max_tokens": 9}
    assert "deployment_models" in mapped.describe() and "team-chat=gpt-5-mini" in mapped.describe()


def test_a_malformed_mapping_is_a_config_error_naming_the_form() -> None:
    with pytest.raises(ConfigError, match="deployment=model pairs"):
        settings(AOAI_NB_DEPLOYMENT_MODELS="team-chat")


def test_an_unknown_model_warns_with_the_fix_and_sends_what_both_generations_accept() -> None:
    with pytest.warns(UnknownModelWarning, match=r"AOAI_NB_DEPLOYMENT_MODELS='my-chat=<model>'"):
        args = chat_args("my-chat", max_tokens=50, temperature=0.3, reasoning_effort="low", settings=S)
    assert args == {"max_completion_tokens": 50} and args.model_info is None
    assert set(args.dropped) == {"temperature", "reasoning_effort"}
    assert args.explain().splitlines()[:2] == [
        "model unknown: sending only what both generations accept",
        "sent: max_completion_tokens=50",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a known model never warns
        chat_args("gpt-5-mini", max_tokens=5, settings=S)


def test_explain_names_the_model_and_each_decision() -> None:
    text = chat_args("gpt-5-mini", max_tokens=100, temperature=0.2, settings=S).explain()
    assert text == (
        "gpt-5-mini is a reasoning model\n"
        "sent: max_completion_tokens=100\n"
        "left out temperature: gpt-5-mini accepts only temperature=1"
    )


MODELS = {
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-4o": "gpt-4o-2024-11-20",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
}


@pytest.fixture(scope="module")
def both_generations() -> Iterator[openai.AzureOpenAI]:
    """A private emulator with a reasoning and two non-reasoning chat deployments (the models' rules apply)."""
    from aoai_nb.emulator import Emulator
    from aoai_nb.emulator.config import Deployment, EmulatorConfig

    config = EmulatorConfig(deployments=tuple(Deployment(n, "chat", m) for n, m in MODELS.items()))
    emu = Emulator(engine="scripted", config=config).start()
    client = openai.AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21")
    try:
        yield client
    finally:
        client.close()
        emu.stop()


@pytest.mark.parametrize("deployment", sorted(MODELS))
def test_one_call_works_on_both_generations_of_the_emulator(
    both_generations: openai.AzureOpenAI, deployment: str
) -> None:
    reply = both_generations.chat.completions.create(
        model=deployment,
        messages=HELLO,  # type: ignore[arg-type]
        **chat_args(deployment, max_tokens=16, temperature=0, reasoning_effort="low", settings=S),
    )
    assert reply.choices[0].finish_reason in ("stop", "length")
