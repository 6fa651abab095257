"""``chat_args``: the token-limit and sampling arguments a deployment's model accepts, so that one notebook
cell works on reasoning models (gpt-5 family, o-series) and on the previous generation (gpt-4o, gpt-4.1 ...).

Reasoning models refuse ``max_tokens`` (they take ``max_completion_tokens``, which also counts the tokens they
reason with) and any ``temperature`` / ``top_p`` but 1; the previous generation refuses ``reasoning_effort``.
The model comes from the catalog (``aoai_nb.models``), found from ``model=``, the ``AOAI_NB_DEPLOYMENT_MODELS``
setting, or the deployment name itself.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.config import Settings
    from aoai_nb.models import ModelInfo

SAMPLING = ("temperature", "top_p", "presence_penalty", "frequency_penalty")


class UnknownModelWarning(UserWarning):
    """``chat_args`` could not tell which model a deployment runs; the message says how to tell it."""


class ChatArgs(dict[str, Any]):
    """The keyword arguments for ``chat.completions.create`` (a plain dict to unpack with ``**``), plus
    ``model_info`` (the catalog entry, None when unknown) and ``dropped`` (argument -> why it was left out)."""

    def __init__(self, values: dict[str, Any], model_info: ModelInfo | None, dropped: dict[str, str]) -> None:
        super().__init__(values)
        self.model_info = model_info
        self.dropped = dropped

    def explain(self) -> str:
        """One line per decision: which model, what is sent, what was left out and why."""
        info = self.model_info
        if info is None:
            head = "model unknown: sending only what both generations accept"
        else:
            kind = "a reasoning model" if info.is_reasoning else "a non-reasoning model"
            head = f"{info.name} is {kind}"
        sent = ", ".join(f"{k}={v!r}" for k, v in self.items()) or "nothing"
        lines = [head, f"sent: {sent}"]
        lines += [f"left out {name}: {why}" for name, why in self.dropped.items()]
        return "\n".join(lines)


def resolve_model(
    deployment: str, *, model: str | None = None, settings: Settings | None = None
) -> ModelInfo | None:
    """The catalog entry for a deployment: ``model`` if given, else the ``AOAI_NB_DEPLOYMENT_MODELS`` mapping,
    else the deployment name read as a model name. None when none of them names a catalog model."""
    from aoai_nb.models import lookup

    if model is None:
        if settings is None:
            from aoai_nb.config import load_settings

            settings = load_settings()
        model = settings.deployment_models.get(deployment, deployment)
    return lookup(model)


def chat_args(
    deployment: str,
    *,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    presence_penalty: float | None = None,
    frequency_penalty: float | None = None,
    reasoning_effort: str | None = None,
    model: str | None = None,
    settings: Settings | None = None,
) -> ChatArgs:
    """The arguments ``deployment``'s model accepts for the limits and sampling you ask for.

    ``chat_args("gpt-5-mini", max_tokens=100, temperature=0.2)`` -> ``{"max_completion_tokens": 100}``;
    ``chat_args("gpt-4o", max_tokens=100, temperature=0.2)`` -> ``{"max_tokens": 100, "temperature": 0.2}``.
    Sampling values a reasoning model fixes are left out (it samples at 1), ``reasoning_effort`` is left out
    for a non-reasoning model; ``.dropped`` says what was left out and why. A ``reasoning_effort`` the model does
    not take raises ``ValueError`` naming the ones it does. ``model`` names the model when the deployment's name
    is not the model's (or set ``AOAI_NB_DEPLOYMENT_MODELS="my-chat=gpt-5-mini"``); for an unknown model it warns
    and sends only what both generations accept (``max_completion_tokens``, no sampling values).
    """
    info = resolve_model(deployment, model=model, settings=settings)
    wanted = {"temperature": temperature, "top_p": top_p, "presence_penalty": presence_penalty,
              "frequency_penalty": frequency_penalty}  # fmt: skip
    wanted = {k: v for k, v in wanted.items() if v is not None}
    values: dict[str, Any] = {}
    dropped: dict[str, str] = {}
    if info is None:
        _warn_unknown(deployment, model)
        if max_tokens is not None:
            values["max_completion_tokens"] = max_tokens
        for name in [*wanted, *(["reasoning_effort"] if reasoning_effort is not None else [])]:
            dropped[name] = "the model is unknown and some models refuse it"
        return ChatArgs(values, None, dropped)
    if max_tokens is not None:
        token_param = "max_completion_tokens" if "max_tokens" in info.rejected_params else "max_tokens"
        values[token_param] = max_tokens
    for name, value in wanted.items():
        fixed = info.fixed_params.get(name)
        if name in info.rejected_params:
            dropped[name] = f"{info.name} refuses it"
        elif fixed is not None and value != fixed:
            dropped[name] = f"{info.name} accepts only {name}={fixed}"
        else:
            values[name] = value
    if reasoning_effort is not None:
        if not info.reasoning_efforts:
            dropped["reasoning_effort"] = f"{info.name} is not a reasoning model"
        elif reasoning_effort not in info.reasoning_efforts:
            raise ValueError(
                f"{info.name} does not take reasoning_effort={reasoning_effort!r}: use one of "
                f"{', '.join(info.reasoning_efforts)} (default {info.default_reasoning_effort})."
            )
        else:
            values["reasoning_effort"] = reasoning_effort
    return ChatArgs(values, info, dropped)


def _warn_unknown(deployment: str, model: str | None) -> None:
    named = f"model {model!r}" if model else f"deployment {deployment!r}"
    warnings.warn(
        f"chat_args: {named} is not a model in aoai-nb's catalog, so it sends only what every chat model "
        "accepts (max_completion_tokens, no temperature). Tell it the model: chat_args(..., model='gpt-4o'), "
        f"or set AOAI_NB_DEPLOYMENT_MODELS='{deployment}=<model>' (e.g. in .env).",
        UnknownModelWarning,
        stacklevel=3,
    )
