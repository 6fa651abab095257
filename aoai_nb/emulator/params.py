"""Typed access to request parameters, each failure a 400 that names the parameter and the fix."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aoai_nb.emulator.wire import clip, echo, invalid_request


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def wrong_type(param: str, value: Any, expected: str) -> Exception:
    return invalid_request(
        f"Invalid type for '{param}': expected {expected}, but got {_type_name(value)}.",
        param=param,
        code="invalid_type",
    )


def reject_unknown(body: dict[str, Any], known: Iterable[str]) -> None:
    unknown = sorted(set(body) - set(known))
    if unknown:
        raise invalid_request(
            f"Unrecognized request argument supplied: {clip(unknown[0])}",
            param=unknown[0],
            code="unknown_parameter",
        )


def missing(param: str, what: str = "") -> Exception:
    """The 400 for a required parameter left out; ``what`` (e.g. "use 'batch'") is said in brackets."""
    hint = f" ({what})" if what else ""
    return invalid_request(
        f"Missing required parameter: '{clip(param)}'{hint}.", param=param, code="missing_required_parameter"
    )


def required(body: dict[str, Any], key: str) -> Any:
    if body.get(key) is None:
        raise missing(key)
    return body[key]


def number(body: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong_type(key, value, "a number")
    if not lo <= value <= hi:
        raise invalid_request(
            f"Invalid value for '{key}': {value} is outside the range {lo:g} to {hi:g}.",
            param=key,
            code="invalid_value",
        )
    return float(value)


def integer(
    body: dict[str, Any], key: str, default: int | None, lo: int, hi: int | None = None
) -> int | None:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type(key, value, "an integer")
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        raise invalid_request(
            f"Invalid value for '{key}': {value}; it must be {bound}.",
            param=key,
            code="integer_above_max_value" if hi is not None and value > hi else "invalid_value",
        )
    return value


def boolean(body: dict[str, Any], key: str, default: bool = False) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise wrong_type(key, value, "a boolean")
    return value


def _form_value(fields: dict[str, Any], key: str, parse: Callable[[str], Any], expected: str) -> Any:
    """The field's value; a multipart form field (text) parsed by ``parse``, a 400 when it does not parse."""
    raw = fields.get(key)
    if not isinstance(raw, str):
        return raw
    try:
        return parse(raw)
    except ValueError:
        raise wrong_type(key, raw, expected) from None


def form_number(fields: dict[str, Any], key: str, default: float, lo: float, hi: float) -> float:
    """A number from JSON or from a multipart form field (sent as text), checked as ``number``."""
    return number({key: _form_value(fields, key, float, "a number")}, key, default, lo, hi)


def form_integer(fields: dict[str, Any], key: str, default: int | None, lo: int, hi: int) -> int | None:
    """An integer from JSON or from a multipart form field (sent as text), checked as ``integer``."""
    return integer({key: _form_value(fields, key, int, "an integer")}, key, default, lo, hi)


def form_boolean(fields: dict[str, Any], key: str) -> bool:
    """A boolean from a multipart form (``"true"``/``"false"``, any case) or from JSON."""
    raw = fields.get(key)
    if isinstance(raw, str):
        if raw.lower() not in ("true", "false"):
            raise wrong_type(key, raw, "a boolean")
        return raw.lower() == "true"
    return boolean(fields, key)


def string(
    body: dict[str, Any],
    key: str,
    default: str | None = None,
    choices: Iterable[str] | None = None,
    max_length: int | None = None,
) -> str | None:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise wrong_type(key, value, "a string")
    options = tuple(choices) if choices is not None else None
    if options is not None and value not in options:
        raise invalid_request(
            f"Invalid value for '{key}': {echo(value)}; supported values are "
            f"{', '.join(repr(o) for o in options)}.",
            param=key,
            code="invalid_value",
        )
    if max_length is not None and len(value) > max_length:
        raise invalid_request(
            f"Invalid value for '{key}': it is {len(value)} characters long, above the maximum "
            f"of {max_length}.",
            param=key,
            code="string_above_max_length",
        )
    return value


def stop_sequences(body: dict[str, Any]) -> tuple[str, ...]:
    value = body.get("stop")
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise wrong_type("stop", value, "a string or an array of strings")
    if len(value) > 4:
        raise invalid_request(
            f"Invalid value for 'stop': {len(value)} sequences given; at most 4 are allowed.",
            param="stop",
            code="array_above_max_length",
        )
    return tuple(value)


def logit_bias(body: dict[str, Any]) -> None:
    value = body.get("logit_bias")
    if value is None:
        return
    if not isinstance(value, dict):
        raise wrong_type("logit_bias", value, "an object mapping token ids to biases")
    for token, bias in value.items():
        if (
            not str(token).isdigit()
            or isinstance(bias, bool)
            or not isinstance(bias, int | float)
            or not -100 <= bias <= 100
        ):
            raise invalid_request(
                f"Invalid value for 'logit_bias': {echo(token)}: {echo(bias)}; keys are token ids and "
                "values numbers from -100 to 100.",
                param="logit_bias",
                code="invalid_value",
            )


def stream_options(body: dict[str, Any], stream: bool) -> bool:
    """Whether a usage chunk was asked for; stream_options without stream is Azure's 400."""
    value = body.get("stream_options")
    if value is None:
        return False
    if not stream:
        raise invalid_request(
            "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
            param="stream_options",
            code="invalid_value",
        )
    if not isinstance(value, dict):
        raise wrong_type("stream_options", value, "an object")
    return boolean(value, "include_usage") if "include_usage" in value else False


def texts_or_tokens(value: Any, key: str) -> list[str] | list[list[int]]:
    """A string or an array of strings (returned as texts), or token arrays: ``int[]`` (one input) or
    ``int[][]`` (returned as id lists, for ``vocabulary.decode_inputs``)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        if all(isinstance(v, str) for v in value):
            return list(value)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [list(value)]
        if all(
            isinstance(v, list) and v and all(isinstance(t, int) and not isinstance(t, bool) for t in v)
            for v in value
        ):
            return [list(v) for v in value]
    if isinstance(value, list) and not value:
        raise invalid_request(
            f"Invalid value for '{key}': an empty array; send at least one input.",
            param=key,
            code="invalid_value",
        )
    raise wrong_type(key, value, "a string, an array of strings, or an array of token arrays")
