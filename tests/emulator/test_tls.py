"""``Emulator(tls=True)`` / ``aoai-nb emulator --tls``: https with a certificate made at start-up; the real SDK
works when it trusts the printed CA file and fails without it; make_client() trusts AOAI_NB_EMULATOR_CA."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from aoai_nb import make_client
from aoai_nb.emulator import Emulator
from aoai_nb.emulator.tls import client_context

ASK: Any = [{"role": "user", "content": "Hello over https"}]


@pytest.fixture(scope="module")
def https_emulator() -> Iterator[Emulator]:
    with Emulator(engine="scripted", tls=True) as emu:
        yield emu


def _sdk(url: str, key: str, ca_file: str | None) -> openai.AzureOpenAI:
    http_client = openai.DefaultHttpx2Client(verify=client_context(ca_file)) if ca_file else None
    return openai.AzureOpenAI(
        azure_endpoint=url, api_key=key, api_version="2024-10-21", max_retries=0, http_client=http_client
    )


def test_in_process_https_emulator_serves_the_sdk_that_trusts_its_ca(https_emulator: Emulator) -> None:
    assert https_emulator.url.startswith("https://127.0.0.1:")
    ca_file = https_emulator.ca_file
    assert ca_file is not None and Path(ca_file).read_text().startswith("-----BEGIN CERTIFICATE-----")
    with _sdk(https_emulator.url, https_emulator.api_key, ca_file) as client:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)
    assert reply.choices[0].message.content
    assert https_emulator.status()["emulator"]["engine"]  # its own endpoints work over https too


def test_sdk_without_the_ca_refuses_the_certificate(https_emulator: Emulator) -> None:
    with _sdk(https_emulator.url, https_emulator.api_key, None) as client:
        with pytest.raises(openai.APIConnectionError):
            client.chat.completions.create(model="gpt-4o-mini", messages=ASK)


def test_make_client_trusts_the_announced_ca(https_emulator: Emulator) -> None:
    announced = {
        "AOAI_NB_EMULATOR_URL": https_emulator.url,
        "AOAI_NB_EMULATOR_KEY": https_emulator.api_key,
        "AOAI_NB_EMULATOR_CA": https_emulator.ca_file or "",
    }
    with make_client(environ=announced, dotenv=False) as client:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)
    assert reply.choices[0].message.content
    # an explicit loopback https endpoint (e.g. for an https-only client's settings) is trusted as well
    explicit = {"AZURE_OPENAI_ENDPOINT": https_emulator.url, "AZURE_OPENAI_API_KEY": https_emulator.api_key}
    with make_client(environ={**explicit, "AOAI_NB_EMULATOR_CA": announced["AOAI_NB_EMULATOR_CA"]}) as client:
        assert client.embeddings.create(model="text-embedding-3-small", input="x").data


def test_a_stale_ca_file_is_a_config_error_naming_the_fix(https_emulator: Emulator, tmp_path: Path) -> None:
    from aoai_nb.config import ConfigError

    environ = {
        "AZURE_OPENAI_ENDPOINT": https_emulator.url,
        "AZURE_OPENAI_API_KEY": https_emulator.api_key,
        "AOAI_NB_EMULATOR_CA": str(tmp_path / "gone.pem"),
    }
    with pytest.raises(ConfigError, match="AOAI_NB_EMULATOR_CA"):
        make_client(environ=environ, dotenv=False)


def test_stop_removes_the_certificate_files() -> None:
    emu = Emulator(engine="scripted", tls=True).start()
    ca_file = emu.ca_file
    assert ca_file is not None and Path(ca_file).is_file()
    emu.stop()
    assert emu.ca_file is None and not Path(ca_file).parent.exists()


def _read_banner(process: subprocess.Popen[str], timeout: float) -> str:
    """The banner's lines, read by a thread (a pipe read cannot time out), up to its last line."""
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got.append(lines.get(timeout=0.5))
        except queue.Empty:
            continue
        if "Ctrl-C stops" in got[-1]:
            return "".join(got)
    raise AssertionError(f"no banner within {timeout:g} s; got: {''.join(got)!r}")


def test_cli_tls_prints_the_ca_file_and_serves_https() -> None:
    command = [sys.executable, "-m", "aoai_nb.emulator", "--tls", "--port", "0", "--engine", "scripted"]
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            banner = _read_banner(process, 180)  # generous: a loaded machine
            url = re.search(r"Azure OpenAI on (https://127\.0\.0\.1:\d+)", banner)
            ca = re.search(r"CA file: (\S+)", banner)
            key = re.search(r"API key: (\S+)", banner)
            assert url and ca and key, banner
            with _sdk(url.group(1), key.group(1), ca.group(1)) as client:
                reply = client.chat.completions.create(model="gpt-4o-mini", messages=ASK)
            assert reply.choices[0].message.content
        finally:
            process.send_signal(signal.SIGTERM)  # as `kill` sends: a clean stop too
            process.wait(timeout=30)
    assert not Path(ca.group(1)).exists()  # the certificate lived for that run only


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # semantic-kernel's own pydantic deprecations
def test_semantic_kernel_azure_chat_completion_over_tls(
    https_emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Semantic Kernel refuses http endpoints; over --tls it works unchanged once SSL_CERT_FILE names the CA.
    semantic-kernel 1.45 pins pydantic<2.14 and websockets<17, below this project's, so it is not in [dev]:
    the test runs where it is installed (checked by hand in a separate venv, see docs/emulator.md)."""
    pytest.importorskip(
        "semantic_kernel",
        reason="semantic-kernel pins pydantic<2.14; install it in a separate venv to run this",
    )
    import asyncio

    from semantic_kernel.connectors.ai.open_ai import AzureChatCompletion, OpenAIChatPromptExecutionSettings
    from semantic_kernel.contents import ChatHistory

    monkeypatch.setenv("SSL_CERT_FILE", https_emulator.ca_file or "")
    service = AzureChatCompletion(
        endpoint=https_emulator.url,
        api_key=https_emulator.api_key,
        deployment_name="gpt-4o-mini",
        api_version="2024-10-21",
    )
    history = ChatHistory()
    history.add_user_message("Hello from Semantic Kernel")

    async def ask() -> object:
        try:
            return await service.get_chat_message_content(history, OpenAIChatPromptExecutionSettings())
        finally:
            await service.client.close()  # its AsyncAzureOpenAI, closed on the loop that opened it

    reply = asyncio.run(ask())
    assert reply is not None and "Hello from Semantic Kernel" in str(reply)
