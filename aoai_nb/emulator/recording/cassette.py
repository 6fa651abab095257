"""The recording format: one readable JSON file per exchange, and how a request is matched to one.

A file ``0007-chat-completions-1a2b3c4d.json`` holds::

    {"format": 1, "key": "<sha256 of the match>", "recorded_at": "...",
     "request": {"method", "path", "query", "deployment", "api_version", "body"},
     "response": {"status", "headers", "latency_s",
                  "body" (JSON) | "text" (exact text) | "body_file" (binary, stored beside) | "events"},
     "images": {"<url>": "<file beside>"}}

``events`` is a stream's SSE events, each ``{"t": seconds after the response started, "data": "<the event's
lines, exactly as sent>"}``. JSON bodies are stored parsed (they diff well) only when re-encoding them gives the
exact bytes received; otherwise the exact text is kept.

What a match ignores: the key or token, request ids and other headers, and the order of JSON object keys (so
``stream_options`` ordering does not matter). Multipart uploads match by their fields and each file's sha256
(the file itself is not stored). What a match includes: method, path (deployment and route), query (api-version),
the body's values, and the emulator's teaching headers (``x-aoai-nb-*``: a fault or filter trigger changes
the answer).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1
KEPT_HEADERS = frozenset(
    {"content-type", "x-request-id", "apim-request-id", "x-ms-region", "retry-after", "retry-after-ms",
     "x-ms-deployment-name", "x-ms-served-model", "x-aoai-nb-engine", "x-ms-client-request-id"}
)  # fmt: skip
KEPT_PREFIXES = ("x-ratelimit-",)
REDACTED = "[redacted]"
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SLUG = re.compile(r"[^a-z0-9]+")


def kept_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The response headers worth replaying (ids, rate limits, content type); never auth or cookies."""
    return {
        k.lower(): v for k, v in headers if k.lower() in KEPT_HEADERS or k.lower().startswith(KEPT_PREFIXES)
    }


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def match_key(method: str, path: str, query: dict[str, str], body: Any, controls: dict[str, str]) -> str:
    """What identifies a request for replay (see the module docstring)."""
    parts = [method.upper(), path, sorted(query.items()), body]
    if controls:  # the emulator's teaching headers change its answer, so they are part of the match
        parts.append(sorted(controls.items()))
    return hashlib.sha256(canonical(parts).encode()).hexdigest()


def deployment_of(path: str, body: Any) -> str | None:
    parts = path.strip("/").split("/")
    if len(parts) > 2 and parts[:2] == ["openai", "deployments"]:
        return parts[2]
    return body.get("model") if isinstance(body, dict) and isinstance(body.get("model"), str) else None


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def json_or_text(raw: bytes) -> tuple[str, Any]:
    """("body", parsed) when compact re-encoding reproduces ``raw`` exactly, else ("text", the text)."""
    text = raw.decode("utf-8")
    try:
        parsed = json.loads(text)
    except ValueError:
        return "text", text
    return ("body", parsed) if _COMPACT.encode(parsed) == text else ("text", text)


def body_bytes(response: dict[str, Any], directory: Path) -> bytes:
    if "body" in response:
        return _COMPACT.encode(response["body"]).encode("utf-8")
    if "text" in response:
        return str(response["text"]).encode("utf-8")
    if "body_file" in response:
        return (directory / str(response["body_file"])).read_bytes()
    return b""


@dataclass
class Cassette:
    """The recordings in one folder: written one file per exchange, read into an index by match key."""

    directory: Path
    index: dict[str, list[Path]] = field(default_factory=dict)
    served: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0

    @classmethod
    def open(cls, directory: Path, *, create: bool) -> Cassette:
        directory = Path(directory)
        if create:
            directory.mkdir(parents=True, exist_ok=True)
        elif not directory.is_dir():
            raise FileNotFoundError(
                f"No recordings at {directory}: record some first with `aoai-nb run --record {directory}` "
                f"or `aoai-nb emulator --record {directory} --upstream URL`."
            )
        cassette = cls(directory)
        for path in sorted(directory.glob("*.json")):
            try:
                key = json.loads(path.read_text(encoding="utf-8"))["key"]
            except (ValueError, KeyError, TypeError):
                continue  # not a recording (a note, a broken file): skipped, never fatal
            cassette.index.setdefault(key, []).append(path)
            cassette._next = max(cassette._next, _number(path) + 1)
        return cassette

    def __len__(self) -> int:
        return sum(len(paths) for paths in self.index.values())

    def find(self, key: str) -> Path | None:
        """The recording for the n-th request with this key (the last one again when there are fewer)."""
        with self._lock:
            paths = self.index.get(key)
            if not paths:
                return None
            count = self.served.get(key, 0)
            self.served[key] = count + 1
            return paths[min(count, len(paths) - 1)]

    def write(self, exchange: dict[str, Any], blobs: dict[str, bytes]) -> Path:
        """Write one exchange (and the binary files it names) and index it."""
        route = re.sub(r"^/openai/(v1/|deployments/[^/]+/)?", "", exchange["request"]["path"])
        slug = _SLUG.sub("-", route.lower()).strip("-")[:40] or "request"
        with self._lock:
            number, self._next = self._next, self._next + 1
        stem = f"{number:04d}-{slug}-{exchange['key'][:8]}"
        for suffix, data in blobs.items():
            (self.directory / f"{stem}{suffix}").write_bytes(data)
        names = {suffix: f"{stem}{suffix}" for suffix in blobs}
        exchange = _with_file_names(exchange, names)
        path = self.directory / f"{stem}.json"
        path.write_text(
            json.dumps(exchange, indent=1, ensure_ascii=False) + "\n", "utf-8"
        )  # order kept: bodies replay exactly
        with self._lock:
            self.index.setdefault(exchange["key"], []).append(path)
        return path


def _number(path: Path) -> int:
    head = path.name.split("-", 1)[0]
    return int(head) if head.isdigit() else -1


def _with_file_names(exchange: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Replace ``{"$file": suffix}`` placeholders with the final file names."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"$file"}:
                return names[value["$file"]]
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    result: dict[str, Any] = walk(exchange)
    return result
