"""Azure OpenAI's shapes on the wire: ids, error bodies, content-filter annotations and SSE framing.

Everything here follows ``shared/docs/azure-openai-wire.md``: where the service's real responses differ from
the OpenAPI specs (the prompt-filter 400, stream annotations), the wire form wins.
"""

from __future__ import annotations

import functools
import json
import os
import random
import reprlib
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

CATEGORIES = ("hate", "sexual", "violence", "self_harm")
SEVERITIES = ("safe", "low", "medium", "high")
FILTERED_SEVERITIES = frozenset({"medium", "high"})  # Azure's default filter configuration
PROMPT_FLAGS = ("jailbreak", "indirect_attack", "profanity")
OUTPUT_FLAGS = ("protected_material_text", "protected_material_code", "profanity")
_BLOCKING_FLAGS = frozenset(
    {"jailbreak", "indirect_attack", "protected_material_text", "protected_material_code"}
)
_ALPHABET = string.ascii_letters + string.digits

FILTER_DOCS = "https://go.microsoft.com/fwlink/?linkid=2198766"
PROMPT_FILTERED_MESSAGE = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
    "Please modify your prompt and retry. To learn more about our content filtering policies please read our "
    f"documentation: {FILTER_DOCS}"
)


_TO_ALPHABET = bytes.maketrans(bytes(range(256)), bytes(ord(_ALPHABET[b % 62]) for b in range(256)))


_IDS = random.Random()  # request and completion ids: unique, not secret (nothing is fetched by them)
if hasattr(os, "register_at_fork"):  # (POSIX only; Windows does not fork)
    os.register_at_fork(after_in_child=_IDS.seed)  # a forked child draws ids of its own


def new_request_id() -> str:
    """A random (version 4) UUID, as Azure's request ids are; shaped as ``str(uuid.uuid4())``, built in about
    a third of its time (no system call: ids only need to be unique)."""
    h = _IDS.randbytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def make_id(prefix: str) -> str:
    """An id shaped like Azure's, e.g. ``chatcmpl-`` + 29 random letters and digits (byte b -> letter b % 62)."""
    return prefix + "-" + _IDS.randbytes(29).translate(_TO_ALPHABET).decode("ascii")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # dumps' fallback


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON, non-ASCII as is. orjson (10x the standard library's speed here) writes the bytes
    the standard encoder with these settings writes, but for a float's text (``1e-05`` is ``0.00001``, the
    same number) and NaN (``null``; the emulator sends no NaN); what it refuses (integers past 64 bits, keys
    that are not strings, lone surrogates) goes to the standard library."""
    try:
        return orjson.dumps(obj)
    except TypeError:  # orjson.JSONEncodeError is one
        return _ENCODER.encode(obj).encode("utf-8")


def dumps_each(values: list[Any]) -> list[bytes]:
    """``[dumps(value) for value in values]``, without a Python call per value when orjson takes them all."""
    try:
        return [orjson.dumps(value) for value in values]
    except TypeError:
        return [dumps(value) for value in values]


def dumps_in_pieces(obj: Any, depth: int = 3) -> bytes:
    """The same bytes as ``dumps(obj)``, encoded a container item at a time down to ``depth`` levels.

    json's C encoder holds the GIL for a whole call: one ``dumps`` of a 60 MB reply (2,048 float vectors, or
    128 choices with 20 top logprobs per token) stops every other thread, the event loop's too, for seconds,
    even when run in a worker thread. Pieces of a few milliseconds each let the event loop in between; they
    are joined once at the end (each copy of a big body also holds the GIL).
    """
    parts: list[bytes] = []
    _pieces(obj, depth, parts)
    return b"".join(parts)


def _pieces(obj: Any, depth: int, parts: list[bytes]) -> None:
    if depth > 0 and isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj):
        parts.append(b"{")
        for i, (key, value) in enumerate(obj.items()):
            parts.append((b"," if i else b"") + dumps(key) + b":")
            _pieces(value, depth - 1, parts)
        parts.append(b"}")
    elif depth > 0 and isinstance(obj, list) and obj:
        parts.append(b"[")
        for i, value in enumerate(obj):
            if i:
                parts.append(b",")
            _pieces(value, depth - 1, parts)
        parts.append(b"]")
    else:
        parts.append(dumps(obj))


def sse_event(obj: Any) -> bytes:
    return b"data: " + dumps(obj) + b"\n\n"


SSE_DONE = b"data: [DONE]\n\n"


# --- errors -------------------------------------------------------------------------------------------------

ECHO_LIMIT = 100  # characters of a request value an error message repeats
MESSAGE_LIMIT = 2000  # an error message's length, whatever it holds


_SHORT_REPR = reprlib.Repr()  # lists, dicts: a few items, each cut short
_SHORT_REPR.maxlevel, _SHORT_REPR.maxdict, _SHORT_REPR.maxlist = 3, 4, 6
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = 40


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters: a request value of any size yields a
    short error (the cut says how long a string was)."""
    if isinstance(value, str):
        text = repr(value[: limit + 1])
        return (
            text
            if len(value) <= limit and len(text) <= limit + 2
            else f"{text[:limit]}... ({len(value)} characters)"
        )
    text = _SHORT_REPR.repr(value)  # lists, dicts: a few items, each cut short
    return text if len(text) <= limit else f"{text[:limit]}..."


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` (a name, a path, a parameter) cut to ``limit`` characters for an error message."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class AzureError(Exception):
    """An error answered with Azure's status and body; raised anywhere below the routes."""

    def __init__(self, status: int, body: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
        error = body.get("error")
        if isinstance(error, dict):  # the last guard: no error body repeats a huge request value
            for key in ("message", "param"):
                if isinstance(error.get(key), str):
                    error[key] = clip(error[key], MESSAGE_LIMIT if key == "message" else ECHO_LIMIT)
        super().__init__(f"{status}: {body.get('error', {}).get('message', '')}")
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


def simple_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> AzureError:
    """The two-key form Azure's gateway uses: ``{"error": {"code", "message"}}``."""
    return AzureError(status, {"error": {"code": code, "message": message}}, headers)


def invalid_request(
    message: str, param: str | None = None, code: str | None = "invalid_value", status: int = 400
) -> AzureError:
    """The model service's validation error: ``{"error": {"message", "type", "param", "code"}}``."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return AzureError(status, body)


@dataclass(frozen=True)
class FixedError:
    """One of the gateway's fixed answers (the same status, code and message every time); calling it gives a
    fresh ``AzureError`` to raise, e.g. ``raise resource_not_found()``."""

    status: int
    code: str
    message: str

    def __call__(self) -> AzureError:
        return simple_error(self.status, self.code, self.message)


resource_not_found = FixedError(404, "404", "Resource not found")
deployment_not_found = FixedError(
    404,
    "DeploymentNotFound",
    "The API deployment for this resource does not exist. If you "
    "created the deployment within the last 5 minutes, please wait a moment and try again.",
)
access_denied = FixedError(
    401,
    "401",
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
    "to provide a valid key for an active subscription and use a correct regional API endpoint "
    "for your resource.",
)
api_version_not_supported = FixedError(400, "BadRequest", "API version not supported")
# The deprecated Assistants API (assistants, threads, runs): 410, naming the Responses API.
assistants_retired = FixedError(
    410,
    "Gone",
    "The Assistants API (/assistants, /threads, runs and messages) is deprecated and retired in favour of "
    "the Responses API: use POST {endpoint}/openai/v1/responses (client.responses.create) for replies "
    "and tool calls, and conversations instead of threads. The aoai-nb emulator does not serve the "
    "Assistants API.",
)
internal_error = FixedError(
    500,
    "InternalServerError",
    "The server had an error processing your request. Sorry about "
    "that! You can retry your request, or contact us through an Azure support request at: "
    "https://go.microsoft.com/fwlink/?linkid=2213926 if you keep seeing this error.",
)


def operation_not_supported(operation: str, model: str) -> AzureError:
    return simple_error(
        400,
        "OperationNotSupported",
        f"The {operation} operation does not work with the specified "
        f"model, {model}. Please choose different model and try again. You can learn more about "
        "which models can be used with each operation here: "
        "https://go.microsoft.com/fwlink/?linkid=2197993.",
    )


# --- content-filter annotations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Annotation:
    """What the content filter found in one text: a severity per category and the detected flags."""

    severities: Mapping[str, str] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, "safe"))
    detected: frozenset[str] = frozenset()

    @functools.cached_property
    def filtered(self) -> bool:  # asked after every streamed delta: computed once per annotation
        return bool(self.filtered_categories())

    def filtered_categories(self) -> list[str]:
        hits = [c for c in CATEGORIES if self.severities.get(c, "safe") in FILTERED_SEVERITIES]
        return hits + sorted(self.detected & _BLOCKING_FLAGS)

    def merged(self, other: Annotation) -> Annotation:
        if other is SAFE:  # the common case: no trigger, or nothing found
            return self
        if self is SAFE:
            return other
        worst = {
            c: max(self.severities.get(c, "safe"), other.severities.get(c, "safe"), key=SEVERITIES.index)
            for c in CATEGORIES
        }
        return Annotation(worst, self.detected | other.detected)


SAFE = Annotation()


def _categories(annotation: Annotation) -> dict[str, Any]:
    if annotation is SAFE:  # most answers: the same values, without a lookup per category
        return {c: {"filtered": False, "severity": "safe"} for c in CATEGORIES}
    return {
        c: {
            "filtered": annotation.severities.get(c, "safe") in FILTERED_SEVERITIES,
            "severity": annotation.severities.get(c, "safe"),
        }
        for c in CATEGORIES
    }


def _flag(annotation: Annotation, name: str) -> dict[str, bool]:
    detected = name in annotation.detected
    return {"filtered": detected and name in _BLOCKING_FLAGS, "detected": detected}


def prompt_filter_result(annotation: Annotation, v1: bool = False) -> dict[str, Any]:
    """``content_filter_results`` for a prompt: the four categories and jailbreak (v1 also requires
    indirect_attack); profanity only when detected (Azure's default configuration leaves it off)."""
    result = _categories(annotation)
    result["jailbreak"] = _flag(annotation, "jailbreak")
    if v1 or "indirect_attack" in annotation.detected:
        result["indirect_attack"] = _flag(annotation, "indirect_attack")
    if "profanity" in annotation.detected:
        result["profanity"] = _flag(annotation, "profanity")
    return result


def prompt_filter_results(annotations: list[Annotation], v1: bool = False) -> list[dict[str, Any]]:
    return [
        {"prompt_index": i, "content_filter_results": prompt_filter_result(a, v1)}
        for i, a in enumerate(annotations)
    ]


def choice_filter_result(annotation: Annotation) -> dict[str, Any]:
    """Per-choice ``content_filter_results``: the four categories plus protected material (2024-10-21)."""
    result: dict[str, Any] = _categories(annotation)
    result["protected_material_code"] = _flag(annotation, "protected_material_code")
    result["protected_material_text"] = _flag(annotation, "protected_material_text")
    if "profanity" in annotation.detected:
        result["profanity"] = _flag(annotation, "profanity")
    return result


def image_filter_results(annotation: Annotation) -> dict[str, Any]:
    return _categories(annotation)


def image_prompt_filter_results(annotation: Annotation) -> dict[str, Any]:
    result = _categories(annotation)
    result["jailbreak"] = _flag(annotation, "jailbreak")
    result["profanity"] = _flag(annotation, "profanity")
    return result


def prompt_filtered_error(annotation: Annotation) -> AzureError:
    """The wire form of a blocked prompt (``innererror`` and singular ``content_filter_result``, HTTP 400)."""
    body = {
        "error": {
            "message": PROMPT_FILTERED_MESSAGE,
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
            "innererror": {
                "code": "ResponsibleAIPolicyViolation",
                "content_filter_result": prompt_filter_result(annotation),
            },
        }
    }
    return AzureError(400, body)


def image_prompt_filtered_error(annotation: Annotation, revised_prompt: str | None = None) -> AzureError:
    inner: dict[str, Any] = {
        "code": "ResponsibleAIPolicyViolation",
        "content_filter_results": image_prompt_filter_results(annotation),
    }
    if revised_prompt:
        inner["revised_prompt"] = revised_prompt
    body = {
        "error": {
            "code": "content_policy_violation",
            "inner_error": inner,
            "message": "Your request was rejected as a result of our safety system. Your prompt may "
            "contain text that is not allowed by our safety system.",
            "type": "invalid_request_error",
        }
    }
    return AzureError(400, body)


def image_output_filtered_error() -> AzureError:
    """The generated image was blocked by the output filter (images have no partial answer to cut)."""
    body = {
        "error": {
            "code": "contentFilter",
            "message": "Your generated image was filtered as a result of our safety system.",
            "param": "prompt",
            "type": "invalid_request_error",
        }
    }
    return AzureError(400, body)
