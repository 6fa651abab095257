"""Which Responses parameters a deployment's model takes: reasoning models refuse sampling settings, other
models refuse ``reasoning``. One function, ``check_model_rules``, so the model catalog's rules can take over.

Wording from captures of Azure (docs: shared azure-openai-2026.md §2.1, §2.5): on ``/responses`` a reasoning
model answers ``Unsupported parameter: 'temperature' is not supported with this model.`` with ``code: null``.
"""

from __future__ import annotations

from typing import Any

from aoai_nb.emulator.config import Deployment
from aoai_nb.emulator.wire import invalid_request

REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", "codex")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
SUMMARIES = ("auto", "concise", "detailed")
SAMPLING = ("temperature", "top_p")


def is_reasoning(deployment: Deployment) -> bool:
    """Whether the deployment's model is a reasoning model (o-series, gpt-5 family, codex)."""
    model = deployment.model.lower()
    return model.startswith(REASONING_PREFIXES) and "gpt-5-chat" not in model


def _unsupported(param: str, code: str | None) -> Exception:
    return invalid_request(
        f"Unsupported parameter: '{param}' is not supported with this model.", param=param, code=code
    )


def check_model_rules(deployment: Deployment, body: dict[str, Any]) -> dict[str, Any] | None:
    """Raise the 400 for a parameter the model refuses; return the ``reasoning`` object to echo (None for a
    model that does not reason)."""
    reasoning = body.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, dict):
        raise invalid_request(
            "Invalid type for 'reasoning': expected an object with 'effort' and 'summary'.", param="reasoning"
        )
    if not is_reasoning(deployment):
        for key in ("effort", "summary", "generate_summary"):
            if reasoning and reasoning.get(key) is not None:
                raise _unsupported(f"reasoning.{key}", "unsupported_parameter")
        return None
    for key in SAMPLING:
        if body.get(key) is not None:
            raise _unsupported(key, None)
    reasoning = reasoning or {}
    effort = reasoning.get("effort") or "medium"
    summary = reasoning.get("summary") or reasoning.get("generate_summary")
    for key, value, allowed in (("effort", effort, EFFORTS), ("summary", summary, SUMMARIES)):
        if value is not None and value not in allowed:
            raise invalid_request(
                f"Invalid value: '{value}'. Supported values are: {', '.join(repr(a) for a in allowed)}.",
                param=f"reasoning.{key}",
                code="invalid_value",
            )
    return {"effort": effort, "generate_summary": None, "summary": summary}
