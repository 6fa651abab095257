"""The deprecated ``functions`` / ``function_call`` chat parameters (still in the 2024-10-21 GA spec), served
on the tools machinery.

``translate`` rewrites a request into its tools form before the usual parsing: each function becomes a
function tool, ``function_call`` becomes ``tool_choice``, an assistant turn's ``function_call`` becomes a tool
call and a ``role: "function"`` message the result of that call. The answer goes back in the legacy shape
(``text_shapes.ToolStyle``): ``message.function_call`` with one call, ``finish_reason: "function_call"`` (or
``"stop"`` when the request named the function), streamed as ``delta.function_call``.
"""

from __future__ import annotations

import re
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.wire import invalid_request

MAX_FUNCTIONS = 128
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def translate(body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``body`` in the tools form, and whether it asked for functions (then answers use the legacy shape).

    Messages are rewritten even without ``functions``: a conversation's last call may drop them while its
    history still holds ``function_call`` turns and ``function`` results.
    """
    functions, choice = body.get("functions"), body.get("function_call")
    if functions is None and choice is None:
        return _with_messages(body), False
    if body.get("tools") is not None or body.get("tool_choice") is not None:
        raise invalid_request(
            "Use either 'functions'/'function_call' (deprecated) or 'tools'/'tool_choice', not both.",
            param="functions" if functions is not None else "function_call",
        )
    if functions is None:
        raise invalid_request(
            "'function_call' is only allowed when 'functions' are specified.", param="function_call"
        )
    names = _check_functions(functions)
    translated = {k: v for k, v in body.items() if k not in ("functions", "function_call")}
    translated["tools"] = [{"type": "function", "function": f} for f in functions]
    if choice is not None:
        translated["tool_choice"] = _tool_choice(choice, names)
    return _with_messages(translated), True


def _check_functions(functions: Any) -> list[str]:
    if not isinstance(functions, list) or not functions or len(functions) > MAX_FUNCTIONS:
        raise invalid_request(
            f"'functions' must be an array of 1 to {MAX_FUNCTIONS} function definitions.", param="functions"
        )
    for k, function in enumerate(functions):
        name = function.get("name") if isinstance(function, dict) else None
        if not isinstance(function, dict) or not isinstance(name, str) or not _NAME.match(name):
            raise invalid_request(
                f"Invalid function 'functions[{k}]': expected {{\"name\": <1-64 letters, digits, _ or ->, "
                '"description": ..., "parameters": {...}}.',
                param=f"functions[{k}]",
            )
        if "parameters" in function and not isinstance(function["parameters"], dict):
            raise p.wrong_type(f"functions[{k}].parameters", function["parameters"], "a JSON Schema object")
    return [f["name"] for f in functions]


def _tool_choice(choice: Any, names: list[str]) -> str | dict[str, Any]:
    if choice in ("none", "auto"):
        return str(choice)
    if isinstance(choice, dict) and choice.get("name") in names:
        return {"type": "function", "function": {"name": choice["name"]}}
    raise invalid_request(
        f"Invalid value for 'function_call': use none, auto or {{\"name\": ...}} naming one of the functions "
        f"({', '.join(sorted(names))}).",
        param="function_call",
    )


def _with_messages(body: dict[str, Any]) -> dict[str, Any]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not any(_is_legacy(m) for m in messages):
        return body
    out: list[Any] = []
    last_call_id: str | None = None
    for i, message in enumerate(messages):
        if not _is_legacy(message):
            out.append(message)
            continue
        if message.get("role") == "function":
            name = message.get("name")
            if not isinstance(name, str):
                raise p.missing(f"messages[{i}].name", "the function whose result this is")
            rest = {k: v for k, v in message.items() if k != "role"}
            out.append({**rest, "role": "tool", "tool_call_id": last_call_id or f"call_function_{name}"})
            continue
        call = message["function_call"]
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise invalid_request(
                f"'messages[{i}].function_call' must be an object with 'name' and 'arguments' (a JSON string).",
                param=f"messages[{i}].function_call",
            )
        arguments = call.get("arguments", "{}")
        if not isinstance(arguments, str):
            raise p.wrong_type(f"messages[{i}].function_call.arguments", arguments, "a string of JSON")
        last_call_id = f"call_function_{i}"
        tool_call = {
            "id": last_call_id,
            "type": "function",
            "function": {"name": call["name"], "arguments": arguments},
        }
        rest = {k: v for k, v in message.items() if k != "function_call"}
        out.append({**rest, "tool_calls": [*(rest.get("tool_calls") or []), tool_call]})
    return {**body, "messages": out}


def _is_legacy(message: Any) -> bool:
    return isinstance(message, dict) and (
        message.get("role") == "function"
        or (message.get("role") == "assistant" and message.get("function_call") is not None)
    )
