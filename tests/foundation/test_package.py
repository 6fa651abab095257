from __future__ import annotations

import json
import subprocess
import sys

import pytest

import aoai_nb
from aoai_nb.cli import main

HEAVY = [
    "matplotlib",
    "pandas",
    "IPython",
    "ipywidgets",
    "onnxruntime",
    "starlette",
    "uvicorn",
    "xllamacpp",
    "faster_whisper",
    "piper",
    "sklearn",
    "openai",
]


def test_import_aoai_nb_stays_light() -> None:
    code = f"import json, sys, aoai_nb; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    )
    assert loaded == []


def test_public_surface_is_sorted_and_resolves() -> None:
    assert aoai_nb.__all__ == sorted(aoai_nb.__all__)
    for name in aoai_nb.__all__:
        assert getattr(aoai_nb, name) is not None
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        aoai_nb.nope  # noqa: B018


def test_unknown_subcommand_gets_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: aoai-nb" in err and "invalid choice: 'frobnicate'" in err
    for command in ("emulator", "doctor", "lab", "run"):
        assert command in err


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "emulator" in out and "doctor" in out and "execute every notebook" in out
