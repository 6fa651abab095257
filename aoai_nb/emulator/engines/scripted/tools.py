"""Scripted tool calling: decide which tools to call from the request, and build their JSON arguments.

A tool is called when ``tool_choice`` is ``"required"`` or names a function, or (``"auto"``/unset) when the
last message is the user's and mentions the tool: its name (``get_weather``, ``get weather``) or one of the
distinctive words in it (``weather``; generic verbs such as get/list/find do not count).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aoai_nb.emulator.engines.base import ChatRequest, EngineInputError, ToolCall
from aoai_nb.emulator.engines.schema_instance import SCHEMA_ERRORS, Budget, Hints, instance_for
from aoai_nb.emulator.engines.scripted.tokens import stable_hash

_GENERIC = frozenset(
    "get set list fetch find search current create update delete make do run call query lookup look up info"
    " data by for the to of and tool function api retrieve read write check compute calculate send add remove"
    " new all from with details value values result results my".split()
)
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def function_tools(request: ChatRequest) -> list[dict[str, Any]]:
    """The request's function definitions (``tool["function"]``), validated enough to call them."""
    functions = []
    for index, tool in enumerate(request.tools):
        if isinstance(tool, dict) and tool.get("type", "function") != "function":
            continue
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise EngineInputError(f"tools[{index}] needs a 'function' object with a 'name'.", param="tools")
        functions.append(function)
    return functions


def last_user_text(request: ChatRequest) -> str:
    for message in reversed(request.messages):
        if message.role == "user":
            return message.content
    return ""


def tools_to_call(request: ChatRequest) -> list[dict[str, Any]]:
    """The function definitions the scripted engine calls for this request (empty: answer in text)."""
    functions = function_tools(request)
    choice = request.tool_choice
    if not functions or choice == "none":
        return []
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        chosen = [f for f in functions if f["name"] == wanted]
        if not chosen:
            raise EngineInputError(
                f"tool_choice names function {wanted!r}, which is not in tools.", "tool_choice"
            )
        return chosen
    mentioned = [f for f in functions if mentions(last_user_text(request), f["name"])]
    if not request.parallel_tool_calls:  # at most one call per reply
        mentioned = mentioned[:1]
    if choice == "required":
        return mentioned or functions[:1]
    last = request.messages[-1] if request.messages else None
    return mentioned if last is not None and last.role == "user" else []


def mentions(text: str, tool_name: str) -> bool:
    """Whether ``text`` names the tool or one of its distinctive words."""
    lowered = text.lower()
    words = [w.lower() for w in _CAMEL.findall(tool_name)]
    if tool_name.lower() in lowered or (words and " ".join(words) in lowered):
        return True
    present = set(re.findall(r"\w+", lowered))
    distinctive = [w for w in words if w not in _GENERIC and len(w) >= 3]
    singular = [w[:-1] for w in distinctive if w.endswith("s") and len(w) > 3]
    return any(w in present or f"{w}s" in present for w in distinctive + singular)


def build_tool_calls(
    request: ChatRequest, functions: list[dict[str, Any]], choice_index: int
) -> tuple[ToolCall, ...]:
    hints = Hints.from_text(last_user_text(request))
    budget = Budget()  # one size limit for all the calls of this reply
    calls = []
    for position, function in enumerate(functions):
        parameters = function.get("parameters") or {"type": "object", "properties": {}}
        try:
            arguments = instance_for(parameters, hints, name=function["name"], budget=budget)
        except SCHEMA_ERRORS as exc:
            raise EngineInputError(
                f"Cannot read the parameters schema of tool {function['name']!r}: {exc}", param="tools"
            ) from exc
        text = json.dumps(arguments, ensure_ascii=False)
        digest = stable_hash(function["name"], text, len(request.messages), choice_index, position)
        calls.append(ToolCall(id=f"call_{digest:016x}{position:08x}", name=function["name"], arguments=text))
    return tuple(calls)


def tool_results_summary(request: ChatRequest) -> str | None:
    """When the conversation ends with tool messages, a sentence repeating each result; else None."""
    trailing = []
    for message in reversed(request.messages):
        if message.role != "tool":
            break
        trailing.append(message)
    if not trailing:
        return None
    names: dict[str, str] = {}
    for message in request.messages:
        for call in message.tool_calls:
            function = call.get("function") or {}
            if isinstance(call.get("id"), str) and isinstance(function.get("name"), str):
                names[call["id"]] = function["name"]
    parts = []
    for message in reversed(trailing):
        name = names.get(message.tool_call_id or "", message.name or "the tool")
        parts.append(f"{name} returned {_clip(message.content, 200)}")
    return (
        "[scripted reply] Tool results: "
        + "; ".join(parts)
        + (". (The scripted engine repeats tool results rather than reasoning about them.)")
    )


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 3]}..."'
