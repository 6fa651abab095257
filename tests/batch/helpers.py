"""Building batch input files and waiting for batches, for the Files and Batch tests."""

from __future__ import annotations

import json
import time
from typing import Any

import openai

FINISHED = ("completed", "failed", "cancelled", "expired")
CHAT = "gpt-4o-mini"


def chat_line(custom_id: str, text: str = "Hello", model: str = CHAT, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": model, "messages": [{"role": "user", "content": text}], **body},
    }


def jsonl(lines: list[Any]) -> bytes:
    """One JSON value (or a raw string, sent as is) per line."""
    return "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines).encode() + b"\n"


def upload(client: openai.OpenAI, data: bytes, name: str = "input.jsonl") -> str:
    return client.files.create(file=(name, data), purpose="batch").id


def wait(client: openai.OpenAI, batch_id: str, timeout: float = 30.0) -> Any:
    """Poll until the batch is finished; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        batch = client.batches.retrieve(batch_id)
        if batch.status in FINISHED:
            return batch
        assert time.monotonic() < deadline, f"batch {batch_id} still {batch.status} after {timeout} s"
        time.sleep(0.02)


def run(client: openai.OpenAI, lines: list[Any], **create: Any) -> Any:
    """Upload ``lines``, submit them as a chat batch and wait for the end."""
    file_id = upload(client, jsonl(lines))
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h", **create
    )
    assert batch.status == "validating"
    return wait(client, batch.id)


def records(client: openai.OpenAI, file_id: str | None) -> list[dict[str, Any]]:
    assert file_id is not None
    text = client.files.content(file_id).text
    return [json.loads(line) for line in text.splitlines()]
