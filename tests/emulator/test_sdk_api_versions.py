"""The api-versions that other languages' SDKs pin are accepted (tests/sdks runs those SDKs themselves)."""

from __future__ import annotations

from typing import Any

import openai
import pytest

# Go azopenai v0.7.2 and Java azure-ai-openai 1.0.0-beta.16 send 2025-01-01-preview on every call (read from
# their sources); 2024-10-01-preview is the one the Java library's previous service version names; the JavaScript
# program and the helpers use the GA 2024-10-21.
SDK_PINNED = ["2025-01-01-preview", "2024-10-01-preview", "2024-10-21"]


@pytest.mark.parametrize("api_version", SDK_PINNED)
def test_sdk_pinned_api_versions_serve_chat_and_speech(emulator: Any, api_version: str) -> None:
    with openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version=api_version, max_retries=0
    ) as client:
        reply = client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
        )
        audio = client.audio.speech.create(model="tts", voice="alloy", input="hi", response_format="flac")
    assert reply.choices[0].finish_reason == "stop"
    assert audio.read()[:4] == b"fLaC"
