"""The configuration file, the command line and its banner, and a real `python -m aoai_nb.emulator` run."""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import openai
import pytest

from aoai_nb.emulator.cli import _config, add_arguments, banner, is_loopback
from aoai_nb.emulator.config import ConfigFileError, EmulatorConfig


def test_defaults_mirror_workshop_deployment_names() -> None:
    config = EmulatorConfig.default()
    assert {d.name: d.capability for d in config.deployments} == {
        # what a workshop deploys today
        "gpt-5-mini": "chat",
        "gpt-4o": "chat",
        "text-embedding-3-small": "embeddings",
        "gpt-image-1-mini": "images",
        "gpt-4o-mini-transcribe": "transcription",
        "gpt-4o-transcribe-diarize": "transcription",
        "gpt-4o-mini-tts": "speech",
        # the seed's
        "gpt-4o-mini": "chat",
        "dall-e-3": "images",
        "whisper": "transcription",
        "tts": "speech",
        "gpt-35-turbo-instruct": "completions",
    }
    assert {d.name: d.info.name for d in config.deployments} == {d.name: d.name for d in config.deployments}
    assert config.retired_models == "serve" and config.lifecycle_today is None
    assert config.max_json_bytes == 8 * 1024 * 1024 and config.max_audio_bytes == 25 * 1024 * 1024


def test_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "emu.yaml"
    path.write_text(
        "deployments:\n  - {name: chat, capability: chat, model: gpt-5-mini, tpm: 1000, rpm: 6}\n"
        "faults: {rates: {429: 0.25}, seed: 4}\nlatency: {per_token_ms: 3, stream_flush_ms: 10}\n"
    )
    config = EmulatorConfig.from_file(path)
    assert config.stream_flush_ms == 10
    assert [(d.name, d.model, d.tpm, d.rpm) for d in config.deployments] == [("chat", "gpt-5-mini", 1000, 6)]
    assert config.fault_rates == {429: 0.25} and config.fault_seed == 4 and config.per_token_ms == 3
    assert config.fault_retry_after_ms == 1000  # untouched default


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("deployments: [{name: x, capability: vision}]", "capability 'vision'"),
        ("deployments: [{name: gpt-4o, capability: chat}, {name: gpt-4o, capability: chat}]", "unique"),
        ("deployments: [{name: x, capability: chat, tpm: -5}]", "x.tpm"),
        (
            "deployments: [{name: x, capability: chat}]",
            "names model 'x', which the model catalog does not know",
        ),
        ("deployments: [{name: x, capability: chat, model: gpt-5-pro}]", "model 'gpt-5-pro'"),
        (
            "deployments: [{name: x, capability: images, model: gpt-5}]",
            "its model 'gpt-5' is a reasoning model",
        ),
        ("lifecycle: {retired: maybe}", "lifecycle.retired"),
        ("lifecycle: {today: tomorrow}", "lifecycle.today"),
        ("lifecycle: {when: 1}", "'lifecycle' has unknown keys"),
        ("deployments: [{name: x, capability: chat, colour: red}]", "unknown keys"),
        ("faults: {rates: {429: 0.8, 500: 0.5}}", "more than 1"),
        ("faults: {rates: {404: 0.1}}", "not one of"),
        ("latency: {first_token_ms: fast}", "latency.first_token_ms"),
        ("colour: red", "unknown top-level"),
        ("deployments: [unclosed", "not valid YAML"),
        ("- just a list", "must be a mapping"),
        ("faults: {retry_after_ms: 120001}", "faults.retry_after_ms"),
        ("faults: {timeout_seconds: .nan}", "faults.timeout_seconds"),
        ("latency: {first_token_ms: .inf}", "latency.first_token_ms"),
        ("latency: {per_token_ms: 10001}", "latency.per_token_ms"),
        ("latency: {stream_flush_ms: -1}", "latency.stream_flush_ms"),
        ("content_filter: {heuristic: 'no'}", "content_filter.heuristic"),
        ("limits: {body_timeout_seconds: .nan}", "limits.body_timeout_seconds"),
        ("limits: {header_timeout_seconds: 0}", "limits.header_timeout_seconds"),
        ("limits: {max_audio_seconds: .inf}", "limits.max_audio_seconds"),
        ("limits: {max_queued_generations: 1.5}", "limits.max_queued_generations"),
        ("public_url: ftp://x", "'public_url'"),
        ("public_url: http://host:8000/path", "'public_url'"),
    ],
)
def test_bad_config_files_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ConfigFileError, match=re.escape(message)):
        EmulatorConfig.from_file(path)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="Cannot read"):
        EmulatorConfig.from_file(tmp_path / "nope.yaml")


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_command_line_controls_override_the_config() -> None:
    config = _config(
        _args(
            "--fault-rate",
            "429=0.1",
            "--fault-rate",
            "503=0.05",
            "--latency-ms",
            "40",
            "--per-token-ms",
            "2",
            "--retry-after-ms",
            "250",
            "--stream-flush-ms",
            "0",
            "--no-filter-heuristic",
        )
    )
    assert config.stream_flush_ms == 0
    assert config.fault_rates == {429: 0.1, 503: 0.05}
    assert (config.first_token_ms, config.per_token_ms, config.fault_retry_after_ms) == (40, 2, 250)
    assert config.filter_heuristic is False


@pytest.mark.parametrize(
    "argv",
    [
        ("--fault-rate", "429"),
        ("--fault-rate", "429=lots"),
        ("--fault-rate", "418=0.1"),
        ("--retry-after-ms", "500000"),
        ("--latency-ms", "-1"),
        ("--latency-ms", "inf"),
        ("--per-token-ms", "nan"),
    ],
)
def test_bad_command_line_values(argv: tuple[str, ...]) -> None:
    with pytest.raises(ConfigFileError):
        _config(_args(*argv))


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_banner_shows_url_deployments_controls_and_key(emulator: Any) -> None:
    text = banner(emulator.status(), emulator.url, emulator.api_key, key_generated=True)
    assert emulator.url in text and emulator.api_key in text and "generated" in text
    assert "gpt-4o-mini" in text and "dall-e-3" in text and "x-aoai-nb-fault" in text
    assert f'OpenAI(base_url="{emulator.url}/openai/v1/"' in text


def test_python_dash_m_serves_and_stops_on_ctrl_c() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "aoai_nb.emulator",
        "--port",
        "0",
        "--engine",
        "scripted",
        "--api-key",
        "workshop-key",
        "--fault-rate",
        "500=0.001",
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as process:
        try:
            assert process.stdout is not None
            lines = []
            for line in process.stdout:
                lines.append(line)
                if "Ctrl-C stops" in line:
                    break
            text = "".join(lines)
            url = re.search(r"Azure OpenAI on (http://127\.0\.0\.1:\d+)", text)
            assert url, text
            assert "Faults: random 500=0.001" in text
            with openai.AzureOpenAI(
                azure_endpoint=url.group(1), api_key="workshop-key", api_version="2024-10-21"
            ) as client:
                assert client.models.list().data
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            assert process.stderr is not None
            stderr = process.stderr.read()
    assert "Traceback" not in stderr


def test_hardening_limits_and_the_public_url_come_from_the_file_and_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "emu.yaml"
    path.write_text(
        "limits: {max_audio_seconds: 600, header_timeout_seconds: 5, body_timeout_seconds: 7.5, "
        "max_queued_generations: 3}\npublic_url: https://workshop.example:8443/\n"
    )
    config = EmulatorConfig.from_file(path)
    assert (config.max_audio_seconds, config.header_timeout_seconds, config.body_timeout_seconds) == (
        600,
        5,
        7.5,
    )
    assert config.max_queued_generations == 3
    assert config.public_url == "https://workshop.example:8443"
    defaults = EmulatorConfig.default()
    assert (defaults.header_timeout_seconds, defaults.body_timeout_seconds) == (30, 30)
    assert (defaults.max_audio_seconds, defaults.max_queued_generations, defaults.public_url) == (
        1500,
        8,
        None,
    )
    assert _config(_args("--public-url", "http://10.0.0.5:8000")).public_url == "http://10.0.0.5:8000"
    with pytest.raises(ConfigFileError, match="--public-url"):
        _config(_args("--public-url", "not a url"))
