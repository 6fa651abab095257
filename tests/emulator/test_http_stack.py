"""The HTTP stack is chosen in one place: the fast stack where installed, h11 on asyncio otherwise."""

from __future__ import annotations

import importlib.util

import httpx2
import pytest

from aoai_nb.emulator import Emulator
from aoai_nb.emulator.serving import http_stack


def test_auto_picks_the_fast_stack_when_installed() -> None:
    assert http_stack("auto") == ("httptools", "uvloop")  # both are dependencies
    assert http_stack("h11") == ("h11", "asyncio")


def test_without_the_packages_auto_falls_back_and_fast_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "uvloop" else real(name, *a)
    )
    assert http_stack("auto") == ("h11", "asyncio")
    with pytest.raises(RuntimeError, match="pip install httptools uvloop"):
        http_stack("fast")


@pytest.mark.parametrize("choice", ["fast", "h11"])
def test_both_stacks_serve_and_report_themselves(choice: str) -> None:
    with Emulator(engine="scripted", http=choice) as emu:  # type: ignore[arg-type]
        server = emu.status()["server"]
        answer = httpx2.post(
            f"{emu.url}/openai/v1/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
            headers={"api-key": emu.api_key},
        )
    assert server == (
        {"http": "httptools", "loop": "uvloop"} if choice == "fast" else {"http": "h11", "loop": "asyncio"}
    )
    assert answer.status_code == 200 and answer.headers["x-request-id"]
