"""Scripted embeddings: unit vectors, determinism, similarity ordering, dimensions."""

from __future__ import annotations

import numpy as np
import pytest

from aoai_nb.emulator.engines.base import EngineInputError
from aoai_nb.emulator.engines.scripted import ScriptedEmbeddingEngine, count_tokens

ENGINE = ScriptedEmbeddingEngine()
TEXTS = [
    "The cat sat on the mat.",
    "A cat was sitting on a mat.",
    "Quarterly revenue grew by twelve percent.",
    "Revenue for the quarter grew 12 percent.",
    "",
    "!!!",
]


def test_shape_dtype_unit_norm_and_tokens() -> None:
    result = ENGINE.embed(TEXTS)
    assert result.vectors.shape == (len(TEXTS), 1536) == (len(TEXTS), ENGINE.native_dimensions)
    assert result.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(result.vectors, axis=1), 1.0, atol=1e-5)
    assert result.prompt_tokens == sum(count_tokens(t) for t in TEXTS)


def test_deterministic_and_independent_of_batch() -> None:
    alone = ENGINE.embed([TEXTS[0]]).vectors[0]
    batched = ENGINE.embed(TEXTS).vectors[0]
    np.testing.assert_allclose(alone, batched, atol=1e-6)
    np.testing.assert_array_equal(ENGINE.embed(TEXTS).vectors, ENGINE.embed(TEXTS).vectors)


def test_related_texts_score_higher_than_unrelated() -> None:
    v = ENGINE.embed(TEXTS[:4]).vectors
    similarity = v @ v.T
    assert similarity[0, 1] > similarity[0, 2] + 0.3
    assert similarity[0, 1] > similarity[0, 3] + 0.3
    assert similarity[2, 3] > similarity[2, 0] + 0.3
    assert similarity[2, 3] > similarity[2, 1] + 0.3


def test_dimensions_truncate_then_renormalise() -> None:
    full = ENGINE.embed(TEXTS[:2]).vectors
    short = ENGINE.embed(TEXTS[:2], dimensions=256).vectors
    assert short.shape == (2, 256)
    np.testing.assert_allclose(np.linalg.norm(short, axis=1), 1.0, atol=1e-5)
    expected = full[:, :256] / np.linalg.norm(full[:, :256], axis=1, keepdims=True)
    np.testing.assert_allclose(short, expected, atol=1e-5)
    v = ENGINE.embed(TEXTS[:4], dimensions=256).vectors
    assert (v @ v.T)[0, 1] > (v @ v.T)[0, 2]


@pytest.mark.parametrize("dimensions", [0, 1537])
def test_dimensions_out_of_range_is_an_input_error(dimensions: int) -> None:
    with pytest.raises(EngineInputError) as caught:
        ENGINE.embed(["x"], dimensions=dimensions)
    assert caught.value.param == "dimensions"
    assert "1536" in str(caught.value)


def test_empty_batch() -> None:
    result = ENGINE.embed([], dimensions=8)
    assert result.vectors.shape == (0, 8)
    assert result.prompt_tokens == 0
