"""The emulator serves the other languages' Azure OpenAI SDKs: Go (azopenai), Java (azure-ai-openai) and JavaScript
(openai's AzureOpenAI with @azure/identity). Each program runs against a private scripted emulator and prints one
JSON line per capability; these tests check the values in those lines, not just exit codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import trustme

from aoai_nb.emulator import Emulator, EmulatorConfig
from tests.sdks import toolchains

# what the scripted engine answers (its replies are labelled placeholders, never mistaken for a model's)
PARROT_REPLY = (
    '[scripted reply] Received: "What\'s the best way to train a parrot?". This conversation has 4 messages'
)
PLACEHOLDER_ART = "[emulator placeholder art: procedural image, no text-to-image model] a cat"
SCRIPTED_TRANSCRIPT = "[scripted transcription: speech-like audio 0.0-"
SAFE = {"filtered": False, "severity": "safe"}
# the fixed token the JavaScript program's test credential hands out; that emulator takes it as its key
FAKE_ENTRA_TOKEN = "aoai-nb-fake-entra-token-for-tests"


def _assert_stream_matches(stream_choice: dict[str, Any], chat_content: str) -> None:
    assert stream_choice["index"] == 0
    assert stream_choice["role"] == "assistant"
    assert stream_choice["content"] == chat_content  # the deltas put together are the whole reply
    assert stream_choice["finish_reason"] == "stop"


# --- Go ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def go_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    binary = toolchains.build_go(tmp_path_factory.mktemp("go"))
    with Emulator(engine="scripted") as emu:
        env = {"AZURE_OPENAI_ENDPOINT": emu.url, "AZURE_OPENAI_API_KEY": emu.api_key}
        result = toolchains.run([str(binary)], toolchains.HERE / "go", env)
        assert emu.api_key not in result.stdout + result.stderr
        yield toolchains.checks(result.stdout)


def test_go_prints_every_capability(go_run: dict[str, dict[str, Any]]) -> None:
    assert list(go_run) == [
        "chat", "stream", "embeddings", "images", "completions", "speech", "transcription", "error",
        "content_filter_error",
    ]  # fmt: skip


def test_go_chat_has_content_filter_results_per_choice(go_run: dict[str, dict[str, Any]]) -> None:
    chat = go_run["chat"]
    assert chat["model"] == "gpt-4o-mini-2024-07-18"
    [choice] = chat["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["content"].startswith(PARROT_REPLY)
    assert choice["content_filter"] == {"hate": SAFE, "self_harm": SAFE, "sexual": SAFE, "violence": SAFE}
    assert chat["prompt_filter_results"] == 1


def test_go_stream_has_per_choice_index_role_and_deltas(go_run: dict[str, dict[str, Any]]) -> None:
    stream = go_run["stream"]
    [choice] = stream["choices"]
    _assert_stream_matches(choice, go_run["chat"]["choices"][0]["content"])
    assert choice["deltas"] > 10  # one token per chunk, as Azure streams
    assert stream["events"] >= choice["deltas"] + 2  # plus the prompt-filter event and the finish


def test_go_embeddings_images_and_legacy_completions(go_run: dict[str, dict[str, Any]]) -> None:
    assert go_run["embeddings"]["dimensions"] == [1536, 1536]
    assert go_run["embeddings"]["prompt_tokens"] > 0
    assert go_run["images"]["images"] == [
        {"status": 200, "content_type": "image/png", "revised_prompt": PLACEHOLDER_ART}
    ]
    [text] = go_run["completions"]["texts"]
    assert text.startswith(" [scripted completion]") and "OpenAI, in 20 words or less" in text


def test_go_speech_flac_is_transcribed(go_run: dict[str, dict[str, Any]]) -> None:
    assert go_run["speech"]["magic"] == "fLaC" and go_run["speech"]["bytes"] > 1000
    assert go_run["transcription"]["text"].startswith(SCRIPTED_TRANSCRIPT)


def test_go_bad_deployment_is_an_azcore_response_error(go_run: dict[str, dict[str, Any]]) -> None:
    error = go_run["error"]
    assert (error["status"], error["code"]) == (404, "DeploymentNotFound")
    assert len(error["request_id"]) == 36  # the apim-request-id header, a uuid


def test_go_filtered_prompt_is_a_content_filter_response_error(go_run: dict[str, dict[str, Any]]) -> None:
    """azopenai parses Azure's 400 (``innererror.content_filter_result``) into its own error type."""
    error = go_run["content_filter_error"]
    assert (error["status"], error["code"]) == (400, "content_filter")
    assert error["violence"] == {"filtered": True, "severity": "high"}
    assert error["hate"] == SAFE


# --- Java -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def java_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[dict[str, dict[str, Any]], str, str]]:
    """Java's azure-core sends a key only over https: this emulator serves TLS with a test CA's certificate."""
    command = toolchains.build_java()
    folder = tmp_path_factory.mktemp("java")
    ca = trustme.CA()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    store = toolchains.java_truststore(folder / "ca.pem", folder)
    trust = [f"-Djavax.net.ssl.trustStore={store}", "-Djavax.net.ssl.trustStorePassword=aoai-nb-test"]
    with Emulator(engine="scripted", ssl_certfile=folder / "server.pem") as emu:
        env = {"AZURE_OPENAI_ENDPOINT": emu.url, "AZURE_OPENAI_API_KEY": emu.api_key}
        result = toolchains.run(["java", *trust, *command], toolchains.HERE / "java", env)
        yield toolchains.checks(result.stdout), result.stderr, emu.api_key


def test_java_prints_every_capability(java_run: tuple[dict[str, dict[str, Any]], str, str]) -> None:
    found, _, _ = java_run
    assert list(found) == [
        "chat", "stream", "vision", "embeddings", "images", "speech", "transcription", "error",
        "content_filter_error",
    ]  # fmt: skip


def test_java_chat_stream_and_image_input(java_run: tuple[dict[str, dict[str, Any]], str, str]) -> None:
    found, _, _ = java_run
    [choice] = found["chat"]["choices"]
    assert choice["content"].startswith(PARROT_REPLY) and choice["role"] == "assistant"
    assert choice["content_filter"] == {
        "hate": "safe",
        "self_harm": "safe",
        "sexual": "safe",
        "violence": "safe",
    }
    _assert_stream_matches({"index": 0, **found["stream"]}, choice["content"])
    vision = found["vision"]["content"]
    assert (
        "a 32x16 PNG image whose dominant colour is #ff0000 (red)" in vision
    )  # the picture the program drew
    assert "cannot see images" in vision


def test_java_embeddings_images_speech_and_transcription(
    java_run: tuple[dict[str, dict[str, Any]], str, str],
) -> None:
    found, _, _ = java_run
    assert found["embeddings"]["dimensions"] == [1536, 1536]
    assert found["images"]["images"] == [{"status": 200, "magic": "PNG", "revised_prompt": PLACEHOLDER_ART}]
    assert (found["speech"]["riff"], found["speech"]["wave"]) == ("RIFF", "WAVE")
    assert found["transcription"]["text"].startswith(SCRIPTED_TRANSCRIPT)


def test_java_bad_deployment_is_an_http_response_exception(
    java_run: tuple[dict[str, dict[str, Any]], str, str],
) -> None:
    found, _, _ = java_run
    assert found["error"] == {
        "check": "error", "raised": True, "exception": "ResourceNotFoundException", "status": 404,
        "code": "DeploymentNotFound",
    }  # fmt: skip


def test_java_filtered_prompt_is_an_http_response_exception(
    java_run: tuple[dict[str, dict[str, Any]], str, str],
) -> None:
    found, _, _ = java_run
    assert found["content_filter_error"] == {
        "check": "content_filter_error", "raised": True, "status": 400, "code": "content_filter",
        "violence": {"filtered": True, "severity": "high"},
    }  # fmt: skip


def test_java_logs_bodies_and_headers_but_never_the_key(
    java_run: tuple[dict[str, dict[str, Any]], str, str],
) -> None:
    found, log, key = java_run
    requests = [line for line in log.splitlines() if '"az.sdk.message":"HTTP request"' in line]
    assert len(requests) == 9  # one per call
    logged = [
        json.loads(line.split(" - ", 1)[1]) for line in requests
    ]  # slf4j-simple: "[thread] LEVEL name - {json}"
    assert all("api-key" in entry["redactedHeaders"].split(",") for entry in logged)
    assert any("train a parrot" in line for line in requests)  # bodies are logged
    assert '"apim-request-id":"' in log  # allowed headers are shown
    assert key not in log and key not in str(found)


# --- JavaScript -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def js_run() -> Iterator[dict[str, dict[str, Any]]]:
    script = toolchains.install_js()
    config = EmulatorConfig.default().with_changes(fault_retry_after_ms=50)
    with Emulator(engine="scripted", api_key=FAKE_ENTRA_TOKEN, config=config) as emu:
        env = {"AZURE_OPENAI_ENDPOINT": emu.url, "AOAI_NB_TEST_TOKEN": FAKE_ENTRA_TOKEN}
        result = toolchains.run(["node", str(script)], script.parent, env)
        assert FAKE_ENTRA_TOKEN not in result.stdout + result.stderr
        yield toolchains.checks(result.stdout)


def test_js_prints_every_capability(js_run: dict[str, dict[str, Any]]) -> None:
    assert list(js_run) == [
        "chat", "stream", "embeddings", "images", "speech", "transcription", "retry", "content_filter_error",
        "credential",
    ]  # fmt: skip


def test_js_chat_and_stream_through_a_bearer_token_provider(js_run: dict[str, dict[str, Any]]) -> None:
    [choice] = js_run["chat"]["choices"]
    assert choice["content"].startswith(PARROT_REPLY)
    assert js_run["chat"]["content_filter"]["violence"] == SAFE
    [streamed] = js_run["stream"]["choices"]
    _assert_stream_matches(streamed, choice["content"])
    assert js_run["credential"]["scopes"] == ["https://cognitiveservices.azure.com/.default"]


def test_js_embeddings_images_speech_and_transcription(js_run: dict[str, dict[str, Any]]) -> None:
    assert js_run["embeddings"]["dimensions"] == [1536, 1536]
    [image] = js_run["images"]["images"]
    assert image == {"status": 200, "content_type": "image/png", "revised_prompt": PLACEHOLDER_ART}
    speech = js_run["speech"]
    assert speech["content_type"] == "audio/mpeg" and speech["head"] == b"ID3".hex()  # mp3, the default
    assert js_run["transcription"]["text"].startswith(SCRIPTED_TRANSCRIPT)


def test_js_retries_an_injected_429(js_run: dict[str, dict[str, Any]]) -> None:
    retry = js_run["retry"]
    assert retry["with_retries"] == {"statuses": [429, 200], "finish_reason": "stop"}
    assert retry["without_retries"] == {
        "statuses": [429],
        "error": {"status": 429, "code": "429", "retry_after_ms": "50"},
    }


def test_js_filtered_prompt_is_a_bad_request_error(js_run: dict[str, dict[str, Any]]) -> None:
    assert js_run["content_filter_error"] == {
        "check": "content_filter_error", "raised": True, "status": 400, "code": "content_filter",
        "inner_code": "ResponsibleAIPolicyViolation", "violence": {"filtered": True, "severity": "high"},
    }  # fmt: skip
