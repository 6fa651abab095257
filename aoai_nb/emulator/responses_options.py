"""Responses API create options beyond ``input``: tools, ``tool_choice``, ``text`` (format, verbosity), metadata.

Each is checked (an Azure-shaped 400 naming the parameter) and returned twice: as the Response echoes it, and in
the chat form the engines already read (``{"type": "function", "function": {...}}``, ``response_format``).
Only function tools are served; a hosted tool (web search, code interpreter ...) is a 400 saying so.
"""

from __future__ import annotations

from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.chat_parts import TOOL_NAME
from aoai_nb.emulator.responses_rules import invalid_choice, not_served
from aoai_nb.emulator.strict_schema import check_strict, strict_problem
from aoai_nb.emulator.wire import invalid_request

HOSTED_TOOLS = (
    "web_search",
    "web_search_preview",
    "file_search",
    "code_interpreter",
    "computer_use_preview",
    "image_generation",
    "mcp",
    "local_shell",
    "shell",
    "custom",
    "apply_patch",
)


def parse_tools(body: dict[str, Any]) -> tuple[list[dict[str, Any]], tuple[dict[str, Any], ...]]:
    """The tools as echoed in the Response, and in the chat form the engines read."""
    tools = body.get("tools")
    if tools is None:
        return [], ()
    if not isinstance(tools, list) or len(tools) > 128:
        raise invalid_request("'tools' must be an array of at most 128 tools.", param="tools")
    echoed, chat = [], []
    for k, tool in enumerate(tools):
        where = f"tools[{k}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if kind in HOSTED_TOOLS:
            raise not_served(f"{where}.type", f"The {kind!r} tool (only function tools are served)")
        name = tool.get("name") if isinstance(tool, dict) else None
        if kind != "function" or not isinstance(name, str) or not TOOL_NAME.match(name):
            raise invalid_request(
                f'Invalid tool \'{where}\': expected {{"type": "function", "name": <1-64 letters, digits, _ or '
                '->, "parameters": {...}}} (the Responses form: no nested "function" object).',
                param=where,
            )
        parameters = tool.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            raise p.wrong_type(f"{where}.parameters", parameters, "a JSON Schema object")
        if tool.get("strict") is None:  # left out: strict when the schema allows it (the API's default)
            strict = parameters is None or strict_problem(parameters) is None
        else:
            strict = p.boolean(tool, "strict")
        if strict and parameters is not None:
            check_strict(
                parameters, f"function '{name}'", f"{where}.parameters", "invalid_function_parameters"
            )
        description = p.string(tool, "description")
        echoed.append(
            {
                "type": "function",
                "name": name,
                "description": description,
                "parameters": parameters,
                "strict": strict,
            }
        )
        function = {"name": name, "parameters": parameters or {"type": "object", "properties": {}}}
        if description:
            function["description"] = description
        chat.append({"type": "function", "function": {**function, "strict": strict}})
    return echoed, tuple(chat)


def parse_tool_choice(
    body: dict[str, Any], tools: list[dict[str, Any]]
) -> tuple[str | dict[str, Any], str | dict[str, Any] | None]:
    """``tool_choice`` as echoed and in the chat form."""
    choice = body.get("tool_choice")
    if choice is None:
        return "auto", None
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise invalid_choice(
                choice,
                """'none', 'auto' and 'required' (or {"type": "function", "name": ...})""",
                "tool_choice",
            )
        if choice == "required" and not tools:
            raise invalid_request(
                "Tool choice 'required' must be specified with 'tools'.", param="tool_choice"
            )
        return choice, choice
    names = {t["name"] for t in tools}
    if not isinstance(choice, dict) or choice.get("type") != "function" or choice.get("name") not in names:
        listed = ", ".join(sorted(names)) or "none given"
        raise invalid_request(
            f'Invalid value for \'tool_choice\': it must be a mode or {{"type": "function", "name": ...}} '
            f"naming one of the function tools ({listed}).",
            param="tool_choice",
        )
    name = choice["name"]
    return {"type": "function", "name": name}, {"type": "function", "function": {"name": name}}


def parse_text(body: dict[str, Any], input_text: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``text`` as echoed (format and verbosity) and the chat ``response_format`` (None for plain text)."""
    text = body.get("text")
    if text is None:
        text = {}
    if not isinstance(text, dict):
        raise p.wrong_type("text", text, "an object with 'format'")
    verbosity = p.string(text, "verbosity", "medium", choices=("low", "medium", "high"))
    fmt = text.get("format") or {"type": "text"}
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    echoed: dict[str, Any] = {"format": {"type": "text"}, "verbosity": verbosity}
    if kind == "text":
        return echoed, None
    if kind == "json_object":
        if "json" not in input_text.lower():
            raise invalid_request(
                "Response input messages must contain the word 'json' in some form to use 'text.format' of "
                "type 'json_object'.",
                param="input",
            )
        echoed["format"] = {"type": "json_object"}
        return echoed, {"type": "json_object"}
    if kind != "json_schema":
        raise invalid_choice(kind, "'text', 'json_object' and 'json_schema'", "text.format.type")
    name, schema = fmt.get("name"), fmt.get("schema")
    if not isinstance(name, str) or not TOOL_NAME.match(name):
        raise invalid_request(
            "Missing or invalid 'text.format.name': 1-64 letters, digits, _ or - naming the schema.",
            param="text.format.name",
            code="missing_required_parameter" if name is None else "invalid_value",
        )
    if not isinstance(schema, dict):
        raise p.wrong_type("text.format.schema", schema, "a JSON Schema object")
    strict = p.boolean(fmt, "strict", False)
    if strict:
        check_strict(schema, f"response_format '{name}'", "text.format.schema", "invalid_json_schema")
    description = p.string(fmt, "description")
    echoed["format"] = {
        "type": "json_schema",
        "name": name,
        "schema": schema,
        "strict": strict,
        "description": description,
    }
    spec = {"name": name, "schema": schema, "strict": strict}
    return echoed, {"type": "json_schema", "json_schema": spec}


def parse_metadata(body: dict[str, Any]) -> dict[str, str] | None:
    metadata = body.get("metadata")
    if metadata is None:
        return None
    if not isinstance(metadata, dict):
        raise p.wrong_type("metadata", metadata, "an object of string values")
    if len(metadata) > 16:
        raise invalid_request(
            f"Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got "
            f"{len(metadata)} instead.",
            param="metadata",
            code="object_above_max_properties",
        )
    for key, value in metadata.items():
        if len(key) > 64:
            raise invalid_request(
                f"Invalid 'metadata': key {key[:20]!r}... is longer than 64 characters.",
                param="metadata",
                code="invalid_value",
            )
        if not isinstance(value, str) or len(value) > 512:
            raise invalid_request(
                f"Invalid 'metadata.{key}': expected a string of at most 512 characters.",
                param=f"metadata.{key}",
                code="invalid_value",
            )
    return dict(metadata)
