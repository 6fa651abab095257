"""Responses API input: validate a create body's items, tools and formats, and turn them into chat-engine terms.

The Responses API is served by the same engines as chat: its ``input`` items (and a stored conversation's
earlier turns) become ``ChatMessage`` objects, its function tools and ``text.format`` become the chat forms the
engines already read (``{"type": "function", "function": {...}}``, ``response_format``). Every malformed value
is an Azure-shaped 400 naming the parameter.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.chat_parts import OFFLINE_IMAGE_MESSAGE, _image
from aoai_nb.emulator.engines.base import ChatMessage, ImageInput
from aoai_nb.emulator.strict_schema import check_strict, strict_problem
from aoai_nb.emulator.wire import invalid_request

_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MESSAGE_ROLES = ("user", "assistant", "system", "developer")
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


def item_id(prefix: str) -> str:
    """An id shaped like the service's: ``resp_``, ``msg_``, ``fc_``, ``rs_`` + 48 hex digits."""
    return f"{prefix}_{secrets.token_hex(24)}"


def _unsupported(param: str, what: str) -> Exception:
    return invalid_request(
        f"{what} is not implemented by the emulator (docs/responses.md lists what is served).",
        param=param,
        code="unsupported_parameter",
    )


# --- input items -------------------------------------------------------------------------------------------


def _text_part(part: dict[str, Any], where: str, kind: str) -> dict[str, Any]:
    text = part.get("text")
    if not isinstance(text, str):
        raise p.wrong_type(f"{where}.text", text, "a string")
    return {"type": kind, "text": text}


def _image_part(part: dict[str, Any], where: str) -> dict[str, Any]:
    url = part.get("image_url")
    if part.get("file_id") is not None:
        raise _unsupported(f"{where}.file_id", "An input_image by 'file_id'")
    if not isinstance(url, str):
        raise invalid_request(
            f"'{where}.image_url' must be a URL string (the emulator needs a data URL: {OFFLINE_IMAGE_MESSAGE})",
            param=f"{where}.image_url",
            code="invalid_image_url",
        )
    detail = p.string(part, "detail", "auto", choices=("auto", "low", "high"))
    return {"type": "input_image", "image_url": url, "detail": detail, "file_id": None}


def _content_parts(content: Any, where: str, role: str) -> list[dict[str, Any]]:
    """A message's content as a list of parts in their input form (a string becomes one text part)."""
    text_kind = "output_text" if role == "assistant" else "input_text"
    if isinstance(content, str):
        return [{"type": text_kind, "text": content}]
    if not isinstance(content, list):
        raise p.wrong_type(f"{where}.content", content, "a string or an array of content parts")
    parts = []
    for j, part in enumerate(content):
        part_where = f"{where}.content[{j}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if not isinstance(part, dict):
            raise p.wrong_type(part_where, part, "a content part object")
        if kind in ("input_text", "output_text") and (kind == "output_text") == (role == "assistant"):
            parts.append(_text_part(part, part_where, kind))
        elif kind == "refusal" and role == "assistant":
            parts.append({"type": "refusal", "refusal": str(part.get("refusal", ""))})
        elif kind == "input_image" and role == "user":
            parts.append(_image_part(part, part_where))
        elif kind == "input_file":
            raise _unsupported(f"{part_where}.type", "An input_file part")
        else:
            allowed = "output_text or refusal" if role == "assistant" else "input_text"
            if role == "user":
                allowed += " or input_image"
            raise invalid_request(
                f"Invalid value: '{kind}'. Supported values for a {role} message's content are: {allowed}.",
                param=f"{part_where}.type",
                code="invalid_value",
            )
    return parts


def _message_item(raw: dict[str, Any], where: str) -> dict[str, Any]:
    role = raw.get("role")
    if role not in MESSAGE_ROLES:
        raise invalid_request(
            f"Invalid value: {role!r}. Supported values are: {', '.join(repr(r) for r in MESSAGE_ROLES)}.",
            param=f"{where}.role",
            code="invalid_value",
        )
    if raw.get("content") is None:
        raise invalid_request(
            f"Missing required parameter: '{where}.content'.",
            param=f"{where}.content",
            code="missing_required_parameter",
        )
    item = {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else item_id("msg"),
        "type": "message",
        "role": role,
        "content": _content_parts(raw["content"], where, role),
    }
    item["status"] = "completed"
    return item


def _string_field(raw: dict[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        if value is None:
            raise invalid_request(
                f"Missing required parameter: '{where}.{key}'.",
                param=f"{where}.{key}",
                code="missing_required_parameter",
            )
        raise p.wrong_type(f"{where}.{key}", value, "a string")
    return value


def _function_call_item(raw: dict[str, Any], where: str) -> dict[str, Any]:
    return {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else item_id("fc"),
        "type": "function_call",
        "call_id": _string_field(raw, "call_id", where),
        "name": _string_field(raw, "name", where),
        "arguments": _string_field(raw, "arguments", where),
        "status": "completed",
    }


def _output_text(output: Any, where: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):  # content parts: text parts are joined, others described
        texts = []
        for part in output:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif isinstance(part, dict):
                texts.append(f"[{part.get('type', 'part')}]")
        return "\n".join(texts)
    raise p.wrong_type(f"{where}.output", output, "a string or an array of content parts")


def _function_output_item(raw: dict[str, Any], where: str) -> dict[str, Any]:
    if raw.get("output") is None:
        raise invalid_request(
            f"Missing required parameter: '{where}.output'.",
            param=f"{where}.output",
            code="missing_required_parameter",
        )
    return {
        "id": raw.get("id") if isinstance(raw.get("id"), str) else item_id("fco"),
        "type": "function_call_output",
        "call_id": _string_field(raw, "call_id", where),
        "output": _output_text(raw["output"], where),
        "status": "completed",
    }


def parse_input(value: Any, param: str = "input") -> list[dict[str, Any]]:
    """``input`` (a string or an item list) as stored items, each with an id."""
    if isinstance(value, str):
        return [_message_item({"role": "user", "content": value}, param)]
    if not isinstance(value, list):
        raise p.wrong_type(param, value, "a string or an array of input items")
    items = []
    for i, raw in enumerate(value):
        where = f"{param}[{i}]"
        if not isinstance(raw, dict):
            raise p.wrong_type(where, raw, "an input item object")
        kind = raw.get("type", "message")
        if kind == "message":
            items.append(_message_item(raw, where))
        elif kind == "function_call":
            items.append(_function_call_item(raw, where))
        elif kind == "function_call_output":
            items.append(_function_output_item(raw, where))
        elif kind == "reasoning":
            items.append({**raw, "id": raw.get("id") or item_id("rs")})  # replayed reasoning: kept, unread
        else:
            raise _unsupported(f"{where}.type", f"The input item type {kind!r}")
    return items


# --- items -> chat messages --------------------------------------------------------------------------------


def _part_text(part: dict[str, Any]) -> str:
    return str(part.get("text") if "text" in part else part.get("refusal", ""))


def _images(parts: list[dict[str, Any]], where: str) -> tuple[ImageInput, ...]:
    return tuple(
        _image({"image_url": {"url": part["image_url"]}}, where)
        for part in parts
        if part.get("type") == "input_image"
    )


def to_messages(items: list[dict[str, Any]], where: str = "input") -> list[ChatMessage]:
    """Stored items in conversation order as chat messages: consecutive function calls form one assistant
    turn with ``tool_calls``; outputs become ``tool`` messages; reasoning items carry nothing an engine reads."""
    messages: list[ChatMessage] = []
    calls: list[dict[str, Any]] = []

    def flush_calls() -> None:
        if calls:
            messages.append(ChatMessage(role="assistant", content="", tool_calls=tuple(calls)))
            calls.clear()

    for item in items:
        kind = item.get("type")
        if kind == "function_call":
            calls.append(
                {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {"name": item["name"], "arguments": item["arguments"]},
                }
            )
            continue
        flush_calls()
        if kind == "message":
            parts = item.get("content") or []
            text = "\n".join(_part_text(part) for part in parts if part.get("type") != "input_image")
            messages.append(ChatMessage(role=item["role"], content=text, images=_images(parts, where)))
        elif kind == "function_call_output":
            messages.append(ChatMessage(role="tool", content=item["output"], tool_call_id=item["call_id"]))
    flush_calls()
    return messages


# --- tools, tool_choice, text.format ------------------------------------------------------------------------


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
            raise _unsupported(f"{where}.type", f"The {kind!r} tool (only function tools are served)")
        name = tool.get("name") if isinstance(tool, dict) else None
        if kind != "function" or not isinstance(name, str) or not _TOOL_NAME.match(name):
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
            raise invalid_request(
                f"Invalid value: {choice!r}. Supported values are: 'none', 'auto' and 'required' (or "
                '{"type": "function", "name": ...}).',
                param="tool_choice",
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
        raise invalid_request(
            f"Invalid value: {kind!r}. Supported values are: 'text', 'json_object' and 'json_schema'.",
            param="text.format.type",
        )
    name, schema = fmt.get("name"), fmt.get("schema")
    if not isinstance(name, str) or not _TOOL_NAME.match(name):
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
