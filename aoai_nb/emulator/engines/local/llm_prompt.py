"""Turning a ChatRequest into what SmolLM2's chat template understands, and its output back into tool calls.

SmolLM2-135M-Instruct's template knows only ``role`` and ``content`` (no tools, no images), so:

- tools are described in the system message, and the reply is grammar-constrained: ``tool_choice="required"``
  or a named function forces one JSON call ``{"name": ..., "arguments": {...}}``; ``"auto"`` lets the model
  choose between such a call and plain text (it rarely chooses the call: it is a 135M model);
- images become an honest note of what can be computed about them (no vision model is installed);
- ``developer`` turns become ``system``; ``tool`` results and earlier assistant calls become readable text.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest, EngineInputError, ToolCall
from aoai_nb.emulator.engines.image_facts import describe_image


def image_note(messages: tuple[ChatMessage, ...]) -> str:
    """The note prepended to the reply when the conversation holds images ("" when none)."""
    facts = [describe_image(img) for msg in messages for img in msg.images]
    if not facts:
        return ""
    listed = "; ".join(f"image {i}: {fact}" for i, fact in enumerate(facts, start=1))
    return (
        "[Emulator note: no vision model is installed, so the local engine cannot see images. "
        f"What it could compute: {listed}.]\n\n"
    )


# --- tools ---------------------------------------------------------------------------------------------


def _functions(request: ChatRequest) -> list[dict[str, Any]]:
    out = []
    for tool in request.tools:
        function = tool.get("function") if tool.get("type", "function") == "function" else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise EngineInputError(
                "Each tool needs {'type': 'function', 'function': {'name': ...}}.", "tools"
            )
        out.append(function)
    return out


def tool_mode(request: ChatRequest) -> tuple[str, list[dict[str, Any]]]:
    """("none" | "auto" | "required", the functions the reply may call)."""
    functions = _functions(request)
    choice = request.tool_choice
    if not functions or choice == "none":
        return "none", []
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        chosen = [f for f in functions if f["name"] == wanted]
        if not chosen:
            raise EngineInputError(
                f"tool_choice names function {wanted!r}, which is not among the tools.", "tool_choice"
            )
        return "required", chosen
    return ("required" if choice == "required" else "auto"), functions


def tools_system_text(functions: list[dict[str, Any]], mode: str) -> str:
    listed = "\n".join(
        json.dumps({k: f[k] for k in ("name", "description", "parameters") if k in f}) for f in functions
    )
    how = (
        "Reply with only a JSON function call"
        if mode == "required"
        else "When a function can answer the user, reply with only a JSON function call"
    )
    example = json.dumps({"name": functions[0]["name"], "arguments": {}})
    tail = "." if mode == "required" else ". Otherwise answer in plain text."
    return f"You can call these functions:\n{listed}\n{how}, for example {example}{tail}"


def _closed(schema: dict[str, Any]) -> dict[str, Any]:
    """No arguments beyond the declared ones unless the schema says otherwise (a tiny model invents extras)."""
    if schema.get("type") == "object" and "properties" in schema and "additionalProperties" not in schema:
        return {**schema, "additionalProperties": False}
    return schema


def tool_call_grammar(functions: list[dict[str, Any]], mode: str) -> str:
    """An llguidance grammar: one JSON call to a listed function, or (auto) plain text not starting with '{'."""
    schema = {
        "anyOf": [
            {
                "type": "object",
                "properties": {
                    "name": {"const": f["name"]},
                    "arguments": _closed(f.get("parameters") or {"type": "object"}),
                },
                "required": ["name", "arguments"],
                "additionalProperties": False,
            }
            for f in functions
        ]
    }
    start = "start: call" if mode == "required" else "start: call | text\ntext: /[^{\\s][\\s\\S]*/"
    return f"%llguidance {{}}\n{start}\ncall: %json {json.dumps(schema)}\n"


def parse_tool_call(text: str, functions: list[dict[str, Any]]) -> ToolCall | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    names = {f["name"] for f in functions}
    if (
        not isinstance(value, dict)
        or value.get("name") not in names
        or not isinstance(value.get("arguments"), dict)
    ):
        return None
    return ToolCall(
        id=f"call_{secrets.token_hex(12)}", name=value["name"], arguments=json.dumps(value["arguments"])
    )


# --- messages ------------------------------------------------------------------------------------------


def render_messages(request: ChatRequest, tools_text: str = "") -> list[dict[str, str]]:
    """ChatML-ready messages: roles system/user/assistant only, plain string content."""
    call_names: dict[str, str] = {}
    out: list[dict[str, str]] = []
    for msg in request.messages:
        role, content = msg.role, msg.content
        if role == "developer":
            role = "system"
        elif role == "tool":
            name = call_names.get(msg.tool_call_id or "", "the function")
            role, content = "user", f"Result of {name}: {content}"
        elif role == "assistant" and msg.tool_calls:
            calls = []
            for call in msg.tool_calls:
                function = call.get("function") or {}
                call_names[str(call.get("id"))] = str(function.get("name"))
                try:
                    arguments = json.loads(function.get("arguments") or "{}")
                except ValueError:
                    arguments = function.get("arguments")
                calls.append(json.dumps({"name": function.get("name"), "arguments": arguments}))
            content = "\n".join(filter(None, [content, *calls]))
        if msg.images:
            facts = "; ".join(describe_image(img) for img in msg.images)
            content = f"{content}\n(The user attached: {facts}. You cannot see it.)".strip()
        out.append({"role": role, "content": content})
    if tools_text:
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{tools_text}"}
        else:
            out.insert(0, {"role": "system", "content": tools_text})
    return out
