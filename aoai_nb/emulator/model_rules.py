"""Each deployment's model rules, from the catalog, answered with the service's exact errors.

One place for the per-model checks every route shares (chat, images, audio, and later Responses): parameters a
model rejects, parameters fixed to one value, ``reasoning_effort`` values, enumerated values, image sizes and
response formats. The texts follow ``shared/docs/azure-openai-2026.md`` (§2 reasoning, §4 images, §5 audio);
where the doc marks Azure's wording unconfirmed, docs/emulator.md says which form was chosen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.wire import AzureError, invalid_request
from aoai_nb.models import ModelInfo

# Every reasoning_effort value the SDK knows (types/shared/reasoning_effort.py); others are invalid, not
# merely unsupported by this model.
KNOWN_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
# Said on every reasoning model's answer: usage.completion_tokens_details.reasoning_tokens is 0 by this rule.
REASONING_HEADER = "x-aoai-nb-reasoning"
REASONING_NOTE = (
    "none: the emulator's models do not reason, so reasoning_tokens is 0 and effort changes nothing"
)
_SIZE = re.compile(r"(\d{2,5})x(\d{2,5})")


def quoted_list(values: Iterable[str]) -> str:
    """``'a', 'b', and 'c'`` (the service's list wording; two values: ``'a' and 'b'``)."""
    items = [f"'{v}'" for v in values]
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ", and " + items[-1]


def json_text(value: Any) -> str:
    """A value as the client sent it, in JSON (``true``, ``0``, ``0.5``, ``1e-08``): the service echoes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


# --- generic rules ---------------------------------------------------------------------------------------


def unsupported_parameter(param: str) -> AzureError:
    """``Unsupported parameter: 'X' is not supported with this model.`` (§2.1)."""
    message = f"Unsupported parameter: '{param}' is not supported with this model."
    if param == "max_tokens":
        message = (
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead."
        )
    return invalid_request(message, param=param, code="unsupported_parameter")


def unsupported_value(param: str, value: Any, default: Any) -> AzureError:
    """``Unsupported value: 'temperature' does not support 0.5 with this model. Only the default (1) value is
    supported.`` (§2.1; the value echoed as sent)."""
    return invalid_request(
        f"Unsupported value: '{param}' does not support {json_text(value)} with this model. "
        f"Only the default ({json_text(default)}) value is supported.",
        param=param,
        code="unsupported_value",
    )


def check_rejected(info: ModelInfo, body: Mapping[str, Any]) -> None:
    """400 for the first parameter (in catalog order) that this model rejects and the body sets (not null)."""
    for param in info.rejected_params:
        if body.get(param) is not None:
            raise unsupported_parameter(param)


def check_fixed(info: ModelInfo, body: Mapping[str, Any]) -> None:
    """400 ``unsupported_value`` for a parameter fixed to one value (temperature/top_p 1, o1's stream false)."""
    for param, only in info.fixed_params.items():
        value = body.get(param)
        if value is None:
            continue
        if isinstance(only, bool) or isinstance(value, bool):
            same = value is only
        else:
            same = isinstance(value, int | float) and value == only
        if not same:
            raise unsupported_value(param, value, only)


def check_choice(info: ModelInfo, param: str, value: Any) -> str | None:
    """A string parameter the catalog enumerates for this model (``allowed_values``); None when unset."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise p.wrong_type(param, value, "a string")
    choices = info.allowed_values.get(param, ())
    if value not in choices:
        raise invalid_request(
            f"Invalid value: '{value}'. Supported values are: {quoted_list(choices)}.",
            param=param,
            code="invalid_value",
        )
    return value


# --- reasoning -------------------------------------------------------------------------------------------


def check_reasoning_effort(info: ModelInfo, value: Any, param: str = "reasoning_effort") -> str | None:
    """The effort to use (the model's default when unset; None for non-reasoning models).

    A value the model does not take is Foundry 2026's ``unsupported_value``; a value no model takes is the older
    ``invalid_value`` form (§2.2). ``param`` is ``reasoning.effort`` on Responses. Non-reasoning chat models are
    checked by ``check_chat`` (the parameter is unrecognized there)."""
    if value is None:
        return info.default_reasoning_effort
    if not isinstance(value, str):
        raise p.wrong_type(param, value, "a string")
    if not info.is_reasoning:
        raise unsupported_parameter(param)
    if value in info.reasoning_efforts:
        return value
    supported = quoted_list(info.reasoning_efforts)
    if value in KNOWN_EFFORTS:
        raise invalid_request(
            f"Unsupported value: '{param}' does not support '{value}' with this model. "
            f"Supported values are: {supported}.",
            param=param,
            code="unsupported_value",
        )
    raise invalid_request(
        f"Invalid value: '{value}'. Supported values are: {supported}.", param=param, code="invalid_value"
    )


def check_chat(info: ModelInfo, body: Mapping[str, Any]) -> str | None:
    """Chat Completions rules for the deployment's model; returns the reasoning effort (None: not reasoning).

    Reasoning models: ``max_tokens`` and the sampling/penalty/logprob parameters are 400s (§2.1),
    temperature/top_p only 1, ``reasoning_effort`` per model (§2.2). Other chat models: ``reasoning_effort`` is
    an unrecognized argument (§2.5, the form with null param and code)."""
    if not info.is_reasoning:
        if "reasoning_effort" in body and body["reasoning_effort"] is not None:
            raise AzureError(
                400,
                {
                    "error": {
                        "message": "Unrecognized request argument supplied: reasoning_effort",
                        "type": "invalid_request_error",
                        "param": None,
                        "code": None,
                    }
                },
            )
        return None
    check_rejected(info, body)
    check_fixed(info, body)
    return check_reasoning_effort(info, body.get("reasoning_effort"))


# --- images ----------------------------------------------------------------------------------------------


def image_size(info: ModelInfo, value: Any) -> tuple[int, int]:
    """``size`` as (width, height) for this model: its listed sizes, ``auto`` as 1024x1024, and for models with
    ``size_multiple`` limits (gpt-image-2) any WxH within them."""
    if value is None or value == "auto" and "auto" in info.sizes:
        return (1024, 1024)
    if not isinstance(value, str):
        raise p.wrong_type("size", value, "a string")
    match = _SIZE.fullmatch(value)
    if value in info.sizes and match:
        return (int(match[1]), int(match[2]))
    limits = info.limits
    if match and "size_multiple" in limits:
        width, height = int(match[1]), int(match[2])
        problem = _flexible_size_problem(width, height, limits)
        if problem is None:
            return (width, height)
        raise invalid_request(f"Invalid value: '{value}'. {problem}", param="size", code="invalid_value")
    raise invalid_request(
        f"Invalid value: '{value}'. Supported values are: {quoted_list(info.sizes)}.",
        param="size",
        code="invalid_value",
    )


def _flexible_size_problem(width: int, height: int, limits: Mapping[str, Any]) -> str | None:
    multiple = int(limits["size_multiple"])
    if width % multiple or height % multiple:
        return f"Both edges must be multiples of {multiple}."
    if max(width, height) > int(limits["size_max_edge"]):
        return f"The longest edge must be at most {limits['size_max_edge']} pixels."
    if max(width, height) > float(limits["size_max_aspect"]) * min(width, height):
        return f"The aspect ratio must be at most {limits['size_max_aspect']}:1."
    pixels = width * height
    if not int(limits["size_min_pixels"]) <= pixels <= int(limits["size_max_pixels"]):
        return (
            f"The image must have between {limits['size_min_pixels']} and {limits['size_max_pixels']} "
            f"pixels; {width}x{height} has {pixels}."
        )
    return None


def unknown_parameter(param: str) -> AzureError:
    """``Unknown parameter: 'X'.`` (OpenAI's answer to response_format on gpt-image models, §4.2; Azure's
    wording is unconfirmed)."""
    return invalid_request(f"Unknown parameter: '{param}'.", param=param, code="unknown_parameter")


# --- audio -----------------------------------------------------------------------------------------------


def check_response_format(info: ModelInfo, value: Any, default: str) -> str:
    """A transcription or speech ``response_format`` this model produces (§5.1: ``response_format
    'verbose_json' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.``)."""
    if value is None:
        return default
    if not isinstance(value, str):
        raise p.wrong_type("response_format", value, "a string")
    formats = info.response_formats
    if value in formats:
        return value
    quoted = [f"'{f}'" for f in formats]
    options = " or ".join(quoted) if len(quoted) <= 2 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    raise invalid_request(
        f"response_format '{value}' is not compatible with model '{info.name}'. Use {options} instead.",
        param="response_format",
        code="unsupported_value",
    )


def check_voice(info: ModelInfo, value: Any) -> str:
    """A voice this speech model has (the SDK's list for gpt-4o-mini-tts; Azure's six for tts/tts-hd)."""
    if not isinstance(value, str):
        raise p.wrong_type("voice", value, "a string")
    if value not in info.voices:
        raise invalid_request(
            f"Invalid value: '{value}'. Supported values are: {quoted_list(info.voices)}.",
            param="voice",
            code="invalid_value",
        )
    return value
