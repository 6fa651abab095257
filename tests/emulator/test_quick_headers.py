"""QuickHeaders answers every lookup as Starlette's Headers does (the first of repeated headers wins)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import Headers

from aoai_nb.emulator.quick_headers import QuickHeaders, QuickRequest

_names = st.sampled_from(["api-key", "content-type", "x-aoai-nb-fault", "authorization", "x-a"])
_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=8)


@given(st.lists(st.tuples(_names, _values), max_size=6), _names)
def test_lookups_match_starlettes_headers(pairs: list[tuple[str, str]], wanted: str) -> None:
    raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in pairs]
    scope = {"type": "http", "headers": raw}
    quick, slow = QuickHeaders(scope), Headers(scope=scope)
    for key in (wanted, wanted.upper()):
        assert quick.get(key) == slow.get(key)
        assert quick.get(key, "none") == slow.get(key, "none")
        assert (key in quick) == (key in slow)
        if key in slow:
            assert quick[key] == slow[key]
        else:
            with pytest.raises(KeyError):
                quick[key]
    assert quick.getlist(wanted) == slow.getlist(wanted) and quick.raw == slow.raw
    assert list(quick.items()) == list(slow.items())


def test_a_quick_request_has_quick_headers_once() -> None:
    request = QuickRequest({"type": "http", "headers": [(b"api-key", b"k")]})
    assert isinstance(request.headers, QuickHeaders) and request.headers is request.headers
    assert request.headers["api-key"] == "k"
