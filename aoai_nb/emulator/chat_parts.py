"""Chat request parts: messages (text and image content), tools and tool_choice, response_format."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.engines.base import ChatMessage, ImageInput
from aoai_nb.emulator.schema_checks import check_schema
from aoai_nb.emulator.wire import clip, echo, invalid_request

ROLES = ("system", "user", "assistant", "tool", "function", "developer")
TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(?P<b64>;base64)?,(?P<data>.*)$", re.DOTALL)
OFFLINE_IMAGE_MESSAGE = (
    "The emulator runs offline and cannot fetch image URLs; send the image inline as a data "
    "URL: data:image/png;base64,<base64 bytes>."
)


def image_input(part: dict[str, Any], where: str) -> ImageInput:
    """An ``image_url`` content part as engine input: a base64 data URL of an image (the emulator is offline,
    so an http(s) URL is a 400 ``invalid_image_url`` saying so)."""
    image_url = part.get("image_url")
    if not isinstance(image_url, dict) or not isinstance(image_url.get("url"), str):
        raise invalid_request(
            f"'{where}.image_url' must be an object with a 'url' string.", param=f"{where}.image_url"
        )
    p.string(image_url, "detail", choices=("auto", "low", "high"))
    url: str = image_url["url"]
    if url.startswith(("http://", "https://")):
        raise invalid_request(OFFLINE_IMAGE_MESSAGE, param=f"{where}.image_url.url", code="invalid_image_url")
    match = _DATA_URL.match(url)
    if match is None or not match.group("b64") or not (match.group("type") or "").startswith("image/"):
        raise invalid_request(
            f"'{where}.image_url.url' must be an http(s) URL or a base64 data URL of an image "
            "(data:image/png;base64,...).",
            param=f"{where}.image_url.url",
            code="invalid_image_url",
        )
    try:
        data = base64.b64decode(match.group("data"), validate=True)
    except (binascii.Error, ValueError):
        raise invalid_request(
            f"'{where}.image_url.url' has invalid base64 data.",
            param=f"{where}.image_url.url",
            code="invalid_image_url",
        ) from None
    if not data:
        raise invalid_request(
            f"'{where}.image_url.url' holds no image bytes.",
            param=f"{where}.image_url.url",
            code="invalid_image_url",
        )
    return ImageInput(data=data, media_type=match.group("type"))


def _content(message: dict[str, Any], where: str, role: str) -> tuple[str, tuple[ImageInput, ...]]:
    content = message.get("content")
    if content is None:
        if role in ("assistant", "function"):  # an assistant turn may carry only tool_calls
            return "", ()
        raise p.missing(f"{where}.content")
    if isinstance(content, str):
        return content, ()
    if not isinstance(content, list):
        raise p.wrong_type(f"{where}.content", content, "a string or an array of content parts")
    texts: list[str] = []
    images: list[ImageInput] = []
    for j, part in enumerate(content):
        part_where = f"{where}.content[{j}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind == "refusal" and role == "assistant" and isinstance(part.get("refusal"), str):
            texts.append(part["refusal"])
        elif kind == "image_url" and role == "user":
            images.append(image_input(part, part_where))
        else:
            allowed = "text or image_url" if role == "user" else "text"
            raise invalid_request(
                f"Invalid content part '{part_where}': expected an object with type {allowed} "
                f"for a {role} message.",
                param=f"{part_where}.type",
                code="invalid_value",
            )
    return "\n".join(texts), tuple(images)


def _is_tool_call(call: Any) -> bool:
    function = call.get("function") if isinstance(call, dict) else None
    return (
        isinstance(call, dict)
        and isinstance(call.get("id"), str)
        and isinstance(function, dict)
        and isinstance(function.get("name"), str)
        and isinstance(function.get("arguments"), str)
    )


def parse_message(message: Any, i: int) -> ChatMessage:
    where = f"messages[{i}]"
    if not isinstance(message, dict):
        raise p.wrong_type(where, message, "an object with 'role' and 'content'")
    role = message.get("role")
    if role not in ROLES:
        raise invalid_request(
            f"Invalid value for '{where}.role': {echo(role)}; supported values are {', '.join(ROLES)}.",
            param=f"{where}.role",
            code="invalid_value",
        )
    text, images = _content(message, where, role)
    tool_calls = message.get("tool_calls")
    if tool_calls is None:
        tool_calls = []
    if not isinstance(tool_calls, list) or not all(_is_tool_call(c) for c in tool_calls):
        raise invalid_request(
            f"'{where}.tool_calls' must be an array of {{id, type, function: {{name, arguments}}}} objects "
            "(arguments a JSON string).",
            param=f"{where}.tool_calls",
        )
    tool_call_id = message.get("tool_call_id")
    if role == "tool" and not isinstance(tool_call_id, str):
        raise p.missing(f"{where}.tool_call_id", "the id of the tool call this message answers")
    name = p.string(message, "name")
    return ChatMessage(
        role=role,
        content=text,
        images=images,
        name=name,
        tool_calls=tuple(tool_calls),
        tool_call_id=tool_call_id if isinstance(tool_call_id, str) else None,
    )


def parse_tools(body: dict[str, Any]) -> tuple[tuple[dict[str, Any], ...], str | dict[str, Any] | None]:
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list) or len(tools) > 128:
            raise invalid_request("'tools' must be an array of at most 128 function tools.", param="tools")
        for k, tool in enumerate(tools):
            function = tool.get("function") if isinstance(tool, dict) else None
            if (
                not isinstance(tool, dict)
                or tool.get("type") != "function"
                or not isinstance(function, dict)
                or not isinstance(function.get("name"), str)
                or not TOOL_NAME.match(function["name"])
            ):
                raise invalid_request(
                    f'Invalid tool \'tools[{k}]\': expected {{"type": "function", "function": '
                    '{"name": <1-64 letters, digits, _ or ->, "parameters": {...}}}.',
                    param=f"tools[{k}]",
                )
            if "parameters" in function and not isinstance(function["parameters"], dict):
                raise p.wrong_type(
                    f"tools[{k}].function.parameters", function["parameters"], "a JSON Schema object"
                )
            check_schema(
                function.get("parameters"), "function", function["name"], f"tools[{k}].function.parameters"
            )
    choice = body.get("tool_choice")
    if choice is None:
        return tuple(tools or ()), None
    if not tools:
        raise invalid_request(
            "'tool_choice' is only allowed when 'tools' are specified.", param="tool_choice"
        )
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            raise invalid_request(
                f"Invalid value for 'tool_choice': {echo(choice)}; use none, auto, required or "
                '{"type": "function", "function": {"name": ...}}.',
                param="tool_choice",
            )
        return tuple(tools), choice
    names = {t["function"]["name"] for t in tools}
    if (
        not isinstance(choice, dict)
        or choice.get("type") != "function"
        or not isinstance(choice.get("function"), dict)
        or choice["function"].get("name") not in names
    ):
        raise invalid_request(
            f"Invalid value for 'tool_choice': it must name one of the tools ({clip(', '.join(sorted(names)))}).",
            param="tool_choice",
        )
    return tuple(tools), choice


def parse_response_format(body: dict[str, Any], messages: tuple[ChatMessage, ...]) -> dict[str, Any] | None:
    value = body.get("response_format")
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in ("text", "json_object", "json_schema"):
        raise invalid_request(
            'Invalid value for \'response_format\': use {"type": "text"}, {"type": '
            '"json_object"} or {"type": "json_schema", "json_schema": {...}}.',
            param="response_format",
        )
    if kind == "json_schema":
        spec = value.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise invalid_request(
                "'response_format.json_schema' must be an object with a 'name' and a 'schema'.",
                param="response_format.json_schema",
            )
        if "schema" in spec and not isinstance(spec["schema"], dict):
            raise p.wrong_type("response_format.json_schema.schema", spec["schema"], "a JSON Schema object")
        check_schema(spec.get("schema"), "response_format", spec["name"], "response_format")
    if kind == "json_object" and not any("json" in m.content.lower() for m in messages):
        raise invalid_request(
            "'messages' must contain the word 'json' in some form, to use 'response_format' of "
            "type 'json_object'.",
            param="messages",
        )
    return value if kind != "text" else None
