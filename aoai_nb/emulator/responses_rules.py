"""Which Responses parameters a deployment's model takes, from the model catalog (``aoai_nb.models``) and the
shared rules module (``model_rules``): reasoning models refuse sampling settings, other models refuse
``reasoning``, and a model the Responses API does not offer refuses the operation.

Wording from captures of Azure (shared azure-openai-2026.md §2.1, §2.5): on ``/responses`` a reasoning model
answers ``Unsupported parameter: 'temperature' is not supported with this model.`` with ``code: null``
(chat's ``unsupported_value`` form differs).
"""

from __future__ import annotations

from typing import Any

from aoai_nb.emulator.config import Deployment
from aoai_nb.emulator.model_rules import check_reasoning_effort, unsupported_parameter
from aoai_nb.emulator.wire import invalid_request, operation_not_supported

SUMMARIES = ("auto", "concise", "detailed")
SAMPLING = ("temperature", "top_p")


def not_served(param: str, what: str) -> Exception:
    """The 400 for a Responses feature the emulator does not implement (``what``, e.g. "An input_file part")."""
    return invalid_request(
        f"{what} is not implemented by the emulator (docs/responses.md lists what is served).",
        param=param,
        code="unsupported_parameter",
    )


def invalid_choice(value: Any, supported: str, param: str) -> Exception:
    """The Responses API's 400 for a value outside a fixed set: ``Invalid value: 'x'. Supported values are:
    ...`` (``supported`` as the service lists them)."""
    return invalid_request(
        f"Invalid value: {value!r}. Supported values are: {supported}.", param=param, code="invalid_value"
    )


def is_reasoning(deployment: Deployment) -> bool:
    """Whether the deployment's model is a reasoning model (the catalog's family)."""
    return deployment.info.is_reasoning


def check_model_rules(deployment: Deployment, body: dict[str, Any]) -> dict[str, Any] | None:
    """Raise the 400 for a parameter the model refuses; return the ``reasoning`` object to echo (None for a
    model that does not reason)."""
    info = deployment.info
    if not info.has("responses"):
        raise operation_not_supported("responses", deployment.model)
    reasoning = body.get("reasoning")
    if reasoning is not None and not isinstance(reasoning, dict):
        raise invalid_request(
            "Invalid type for 'reasoning': expected an object with 'effort' and 'summary'.", param="reasoning"
        )
    reasoning = reasoning or {}
    if not info.is_reasoning:
        for key in ("effort", "summary", "generate_summary"):
            if reasoning.get(key) is not None:
                raise unsupported_parameter(f"reasoning.{key}")
        return None
    for key in SAMPLING:
        if body.get(key) is not None:
            raise invalid_request(
                f"Unsupported parameter: '{key}' is not supported with this model.", param=key, code=None
            )
    if body.get("top_logprobs") is not None and "top_logprobs" in info.rejected_params:
        raise unsupported_parameter("top_logprobs")
    effort = check_reasoning_effort(info, reasoning.get("effort"), param="reasoning.effort")
    summary = reasoning.get("summary") or reasoning.get("generate_summary")
    if summary is not None and summary not in SUMMARIES:
        raise invalid_request(
            f"Invalid value: '{summary}'. Supported values are: 'auto', 'concise', and 'detailed'.",
            param="reasoning.summary",
            code="invalid_value",
        )
    return {"effort": effort, "generate_summary": None, "summary": summary}
