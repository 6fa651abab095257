"""Request bodies are read by orjson where it can and by the standard library otherwise: the values, and the
errors, are the standard library's in every case."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aoai_nb.emulator.payloads import _parse_standard, parse_json
from aoai_nb.emulator.wire import AzureError

_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


def _outcome(parse: Any, body: bytes) -> tuple[str, Any]:
    try:
        return "value", parse(body)
    except AzureError as exc:
        return "error", exc.body


def _same(body: bytes) -> None:
    fast, standard = _outcome(parse_json, body), _outcome(_parse_standard, body)
    assert fast == standard
    if fast[0] == "value":  # equal and of the same types (1 is not 1.0, nor True)
        assert json.dumps(fast[1]) == json.dumps(standard[1])


@given(_values)
def test_any_json_value_reads_as_the_standard_library_reads_it(value: Any) -> None:
    _same(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    _same(json.dumps(value).encode("ascii"))  # \\u escapes


@given(st.binary(max_size=40))
def test_any_bytes_read_or_fail_as_with_the_standard_library(body: bytes) -> None:
    _same(body)


@pytest.mark.parametrize(
    "body",
    [
        b"NaN",
        b'{"a": Infinity}',
        b"1e999",
        b'"\\ud800"',
        b'"\\ud83d\\ude00"',
        b"\xef\xbb\xbf{}",  # a byte order mark
        b'{"a": 1, "a": 2}',
        b"[" * 1100 + b"]" * 1100,  # past orjson's depth limit
        b"123456789012345678901234567890",
        b"-9223372036854775809",
        b'"\x00"',
        b'{"n": -0, "f": -0.0, "e": 1E5, "t": 1.5e-400}',
        b"",
        b"{}x",
    ],
)
def test_edge_cases_read_or_fail_as_with_the_standard_library(body: bytes) -> None:
    _same(body)
