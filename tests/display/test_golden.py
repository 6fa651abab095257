"""Golden text/plain and text/html of every view, built from real SDK responses from the scripted emulator."""

from __future__ import annotations

import openai
import pytest

from aoai_nb.display import view

from . import expected
from .cases import CASES
from .fakes import SPEC_FILTER_ERROR, always, fake_client, raise_for
from .golden import normalise, normalise_html


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(azure: openai.AzureOpenAI, case: str) -> None:
    shown = view(CASES[case](azure))
    bundle = shown._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"}
    assert normalise(repr(shown)) == getattr(expected, f"{case.upper()}_REPR")
    assert normalise(bundle["text/plain"]) == getattr(expected, f"{case.upper()}_TEXT")
    assert normalise_html(bundle["text/html"]) == getattr(expected, f"{case.upper()}_HTML")
    assert emulator_key_absent(azure, bundle)


def emulator_key_absent(client: openai.AzureOpenAI, bundle: dict[str, str]) -> bool:
    return all(client.api_key not in text for text in bundle.values())


def test_every_case_has_goldens() -> None:
    names = {n.rsplit("_", 1)[0].lower() for n in dir(expected) if n.endswith(("_REPR", "_TEXT", "_HTML"))}
    assert names == set(CASES) | {"spec_form_error"}


def test_golden_spec_form_error_body() -> None:
    shown = view(raise_for(fake_client(always(400, SPEC_FILTER_ERROR))))
    assert normalise(repr(shown)) == expected.SPEC_FORM_ERROR_REPR
    assert normalise(shown.to_text()) == expected.SPEC_FORM_ERROR_TEXT
    assert normalise_html(shown.to_html()) == expected.SPEC_FORM_ERROR_HTML


def test_severity_colour_scale_and_filtered_emphasis() -> None:
    from aoai_nb.display._filters import FilterReport
    from aoai_nb.display._html import SEVERITY_COLOURS

    results = {s: {"filtered": s == "high", "severity": s} for s in ("safe", "low", "medium", "high")}
    html = FilterReport.from_completion(
        {"choices": [{"index": 0, "content_filter_results": results}]}
    ).to_html()
    for severity, (fg, bg) in SEVERITY_COLOURS.items():
        weight = 700 if severity == "high" else 400
        assert f'color:{fg};background:{bg};font-weight:{weight}">{severity}</span>' in html
