"""The model catalog: it loads, every entry is consistent, lookup finds models by reported names."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from aoai_nb.models import (
    CAPABILITIES,
    FAMILIES,
    LIFECYCLES,
    ModelInfo,
    catalog_as_of,
    load_catalog,
    lookup,
)

REQUIRED = [
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-5.1",
    "gpt-5.2",
    "o3",
    "o4-mini",
    "o3-mini",
    "o1",
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-35-turbo-instruct",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "dall-e-3",
    "gpt-image-1",
    "gpt-image-1-mini",
    "gpt-image-1.5",
    "gpt-image-2",
    "whisper",
    "gpt-4o-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-transcribe-diarize",
    "tts",
    "tts-hd",
    "gpt-4o-mini-tts",
]
SOURCE_KEYS = {
    "SCHED-10",
    "SCHED-09",
    "SCHED-07",
    "RET-F",
    "RET-AF",
    "LIFE",
    "RETIRED",
    "REASON",
    "RESP",
    "IMG",
    "IMG-1",
    "IMG-2",
    "APIV",
    "REF-P",
    "REF-GA",
    "BATCH",
    "TS",
    "ENTRA",
    "V1",
    "AUTH24",
    "P25",
    "SDK",
    "OAPI",
}
CATALOG = load_catalog()


def test_catalog_has_every_workshop_model() -> None:
    assert [name for name in REQUIRED if name not in CATALOG] == []


@pytest.mark.parametrize("info", CATALOG.values(), ids=list(CATALOG))
def test_entry_is_consistent(info: ModelInfo) -> None:
    assert info.family in FAMILIES
    assert info.lifecycle in LIFECYCLES
    assert info.version
    assert set(info.capabilities) <= set(CAPABILITIES) and info.capabilities
    assert info.sources and set(info.sources) <= SOURCE_KEYS
    for day in (info.deprecation, info.retirement, info.released):
        assert day is None or isinstance(day, date)
    assert info.replacement is None or info.replacement in CATALOG
    assert info.replacement != info.name
    # The stage is the one on the catalog's as-of day: retired exactly when the retirement date has passed.
    assert (info.lifecycle == "retired") == (info.status_on(catalog_as_of()) == "retired")
    if info.is_reasoning:
        assert info.reasoning_efforts and info.default_reasoning_effort in info.reasoning_efforts
        assert "max_tokens" in info.rejected_params
        assert info.fixed_params.get("temperature") == 1
    else:
        assert info.reasoning_efforts == () and info.default_reasoning_effort is None
    if info.family in ("chat", "completions"):
        assert "reasoning_effort" in info.rejected_params
    if info.family == "speech":
        assert info.voices and info.response_formats
    if info.family == "images":
        assert info.sizes and info.limits["n_max"] >= 1
    # created_at in GET /openai/models needs a date: the version's, or `released` for numbered versions.
    assert info.released is not None or info.model_id != info.name
    # A rejected parameter is never also given allowed values.
    assert not set(info.rejected_params) & (set(info.allowed_values) | set(info.fixed_params))


def test_facts_from_the_2026_schedule() -> None:
    mini = CATALOG["gpt-5-mini"]
    assert (mini.family, mini.lifecycle, mini.retirement) == ("reasoning", "ga", date(2027, 2, 9))
    assert CATALOG["gpt-5.1"].default_reasoning_effort == "none"
    assert CATALOG["gpt-5"].reasoning_efforts == ("minimal", "low", "medium", "high")
    assert CATALOG["o3"].replacement == "gpt-5.6-sol"
    assert CATALOG["dall-e-3"].retirement == date(2026, 3, 4)
    assert CATALOG["gpt-image-1.5"].retirement == date(2026, 12, 16)  # SCHED-10 over SCHED-09
    assert "2027-06-16" in CATALOG["gpt-image-1.5"].notes
    assert CATALOG["gpt-4o"].version == "2024-11-20" and CATALOG["gpt-4o"].lifecycle == "legacy"
    assert "response_format" in CATALOG["gpt-image-1-mini"].rejected_params
    assert CATALOG["gpt-4o-mini-transcribe"].response_formats == ("json", "text")
    assert "verbose_json" in CATALOG["whisper"].response_formats
    assert "instructions" in CATALOG["tts"].rejected_params


@pytest.mark.parametrize(
    ("reported", "name"),
    [
        ("gpt-5-mini", "gpt-5-mini"),
        ("gpt-5-mini-2025-08-07", "gpt-5-mini"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("GPT-4o-Mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-05-13", "gpt-4o"),
        ("gpt-5", "gpt-5"),
        ("gpt-5.1", "gpt-5.1"),
        ("gpt-5.1-2025-11-13", "gpt-5.1"),
        ("gpt-35-turbo-instruct-0914", "gpt-35-turbo-instruct"),
        ("gpt-3.5-turbo-instruct", "gpt-35-turbo-instruct"),
        ("dall-e-3-3.0", "dall-e-3"),
        ("whisper-001", "whisper"),
        ("whisper-1", "whisper"),
        ("tts-1-hd", "tts-hd"),
        ("tts-hd", "tts-hd"),
        ("gpt-4o-mini-tts-2025-12-15", "gpt-4o-mini-tts"),
        ("gpt-4o-transcribe-diarize", "gpt-4o-transcribe-diarize"),
        (" text-embedding-3-small ", "text-embedding-3-small"),
    ],
)
def test_lookup_finds_reported_names(reported: str, name: str) -> None:
    found = lookup(reported)
    assert found is not None and found.name == name


@pytest.mark.parametrize(
    "reported", ["gpt-5-pro", "gpt-5.4", "gpt-4", "gpt-4o-audio-preview", "", "my-deployment"]
)
def test_lookup_refuses_other_models(reported: str) -> None:
    assert lookup(reported) is None


def test_status_on_boundaries() -> None:
    whisper = CATALOG["whisper"]  # retires 2026-12-15
    assert whisper.status_on(date(2026, 9, 15)) == "fine"
    assert whisper.status_on(date(2026, 9, 16)) == "retiring"  # 90 days before
    assert whisper.status_on(date(2026, 12, 14)) == "retiring"
    assert whisper.status_on(date(2026, 12, 15)) == "retired"
    assert CATALOG["text-embedding-3-small"].status_on(date(2026, 12, 1)) == "fine"
    assert CATALOG["o3"].status_on(date(2026, 12, 1)) == "retired"


def test_is_reasoning_and_model_id() -> None:
    assert CATALOG["o4-mini"].is_reasoning and not CATALOG["gpt-4o"].is_reasoning
    assert CATALOG["gpt-5-mini"].model_id == "gpt-5-mini-2025-08-07"
    assert CATALOG["whisper"].model_id == "whisper"


def test_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        CATALOG["nope"] = CATALOG["gpt-5"]  # type: ignore[index]


def test_importing_the_catalog_does_not_parse_it() -> None:
    code = "import sys, aoai_nb.models; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "False"
