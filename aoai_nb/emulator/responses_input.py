"""Responses API input: validate ``input`` items (and a stored conversation's turns) and turn them into chat terms.

The Responses API is served by the same engines as chat: its ``input`` items (messages with text and image parts,
function calls and their outputs, replayed reasoning) are checked and stored with ids, then become the
``ChatMessage`` objects the engines read. Every malformed item is an Azure-shaped 400 naming the parameter.
The create body's other options (tools, ``text.format``, metadata) are ``responses_options``.
"""

from __future__ import annotations

import secrets
from typing import Any

from aoai_nb.emulator import params as p
from aoai_nb.emulator.chat_parts import OFFLINE_IMAGE_MESSAGE, image_input
from aoai_nb.emulator.engines.base import ChatMessage, ImageInput
from aoai_nb.emulator.responses_rules import invalid_choice, not_served
from aoai_nb.emulator.wire import invalid_request

MESSAGE_ROLES = ("user", "assistant", "system", "developer")


def item_id(prefix: str) -> str:
    """An id shaped like the service's: ``resp_``, ``msg_``, ``fc_``, ``rs_`` + 48 hex digits."""
    return f"{prefix}_{secrets.token_hex(24)}"


# --- input items -------------------------------------------------------------------------------------------


def _text_part(part: dict[str, Any], where: str, kind: str) -> dict[str, Any]:
    text = part.get("text")
    if not isinstance(text, str):
        raise p.wrong_type(f"{where}.text", text, "a string")
    return {"type": kind, "text": text}


def _image_part(part: dict[str, Any], where: str) -> dict[str, Any]:
    url = part.get("image_url")
    if part.get("file_id") is not None:
        raise not_served(f"{where}.file_id", "An input_image by 'file_id'")
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
            raise not_served(f"{part_where}.type", "An input_file part")
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
        raise invalid_choice(role, ", ".join(repr(r) for r in MESSAGE_ROLES), f"{where}.role")
    if raw.get("content") is None:
        raise p.missing(f"{where}.content")
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
            raise p.missing(f"{where}.{key}")
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
        raise p.missing(f"{where}.output")
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
            raise not_served(f"{where}.type", f"The input item type {kind!r}")
    return items


# --- items -> chat messages --------------------------------------------------------------------------------


def _part_text(part: dict[str, Any]) -> str:
    return str(part.get("text") if "text" in part else part.get("refusal", ""))


def _images(parts: list[dict[str, Any]], where: str) -> tuple[ImageInput, ...]:
    return tuple(
        image_input({"image_url": {"url": part["image_url"]}}, where)
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
