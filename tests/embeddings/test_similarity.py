"""Similarity and top-k against brute-force references (numpy loops, scipy), including property tests."""

from __future__ import annotations

from typing import Any
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cosine as scipy_cosine

from aoai_nb.embeddings import _similarity as similarity
from aoai_nb.embeddings._similarity import cosine_similarity, rank, similarity_matrix, top_k


def reference_top_k(queries: np.ndarray, corpus: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Brute force in float64: every score, sorted by (score desc, index asc)."""
    q = queries.astype(np.float64)
    c = corpus.astype(np.float64)
    qn = np.linalg.norm(q, axis=1, keepdims=True)
    cn = np.linalg.norm(c, axis=1)
    scores = (q / np.where(qn > 0, qn, 1)) @ (c / np.where(cn > 0, cn, 1)[:, None]).T
    indices = np.empty((len(q), min(k, len(c))), dtype=np.int64)
    for row in range(len(q)):
        order = np.lexsort((np.arange(len(c)), -scores[row]))
        indices[row] = order[:k]
    return indices, np.take_along_axis(scores, indices, axis=1)


def assert_matches_reference(queries, corpus, k, indices, scores, tol=1e-5):
    ref_i, ref_s = reference_top_k(queries, corpus, k)
    assert indices.shape == ref_i.shape and scores.shape == ref_s.shape
    np.testing.assert_allclose(scores, ref_s, atol=tol)
    q, c = queries.astype(np.float64), corpus.astype(np.float64)
    cn = np.linalg.norm(c, axis=1)
    every = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (c / np.where(cn > 0, cn, 1)[:, None]).T
    for row in range(len(queries)):
        assert len(set(indices[row].tolist())) == len(indices[row])
        np.testing.assert_allclose(every[row, indices[row]], scores[row], atol=tol)  # each score is its row's
        assert np.all(every[row, indices[row]] >= ref_s[row, -1] - tol)  # nothing better was left out
        # the exact indices agree wherever float32 rounding cannot swap two nearly equal scores
        distinct = np.abs(np.diff(ref_s[row])) > 10 * tol
        decided = np.concatenate([[True], distinct]) & np.concatenate([distinct, [True]])
        if k < len(corpus):  # the last slot is decided only if the next candidate is clearly worse
            runner_up = np.sort(every[row])[::-1][k]
            decided[-1] &= ref_s[row, -1] - runner_up > 10 * tol
        assert np.array_equal(indices[row][decided], ref_i[row][decided])


def test_cosine_similarity_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b = rng.standard_normal(384), rng.standard_normal(384)
        assert cosine_similarity(a, b) == pytest.approx(1 - scipy_cosine(a, b), abs=1e-12)
    assert cosine_similarity([1, 0], [1, 0]) == pytest.approx(1.0)
    assert cosine_similarity([1, 0], [-2, 0]) == pytest.approx(-1.0)
    assert cosine_similarity([0, 0], [1, 2]) == 0.0
    with pytest.raises(ValueError, match="differ in length"):
        cosine_similarity([1, 2, 3], [1, 2])
    assert cosine_similarity([[1, 0]], [1, 0]) == pytest.approx(1.0)  # one row is one vector
    with pytest.raises(ValueError, match="use similarity_matrix"):
        cosine_similarity(np.eye(2), np.eye(2))


def test_similarity_matrix_matches_pairwise_loop() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((6, 32)), rng.standard_normal((4, 32)) * 5
    m = similarity_matrix(a, b)
    assert m.shape == (6, 4) and m.dtype == np.float32
    expected = [[cosine_similarity(x, y) for y in b] for x in a]
    np.testing.assert_allclose(m, expected, atol=1e-6)
    self_m = similarity_matrix(a)
    np.testing.assert_allclose(np.diag(self_m), 1.0, atol=1e-6)
    np.testing.assert_allclose(self_m, self_m.T, atol=1e-6)
    assert similarity_matrix(a[0], b).shape == (1, 4)  # one vector is one row
    with pytest.raises(ValueError, match="Dimensions differ"):
        similarity_matrix(a, rng.standard_normal((2, 16)))


def test_similarity_matrix_accepts_lists_and_series() -> None:
    pd = pytest.importorskip("pandas")
    vectors = [np.array([1.0, 0.0]), np.array([0.0, 2.0])]
    series = pd.Series(vectors)
    np.testing.assert_allclose(similarity_matrix(series), [[1, 0], [0, 1]], atol=1e-7)
    np.testing.assert_allclose(similarity_matrix([[1, 1]], [[2, 2], [-1, -1]]), [[1, -1]], atol=1e-6)
    with pytest.raises(TypeError, match="holds texts"):
        similarity_matrix(["a text"])


@settings(max_examples=60, deadline=None, database=None)
@given(
    n=st.integers(1, 60),
    m=st.integers(1, 5),
    d=st.integers(1, 12),
    k=st.integers(1, 70),
    seed=st.integers(0, 2**32 - 1),
    first=st.integers(1, 20),
    chunk=st.integers(1, 25),
    grid=st.booleans(),
)
def test_top_k_matches_brute_force(n, m, d, k, seed, first, chunk, grid) -> None:
    rng = np.random.default_rng(seed)
    if grid:  # small integers: many exact ties, which must go to the lower index
        corpus = rng.integers(-2, 3, size=(n, d)).astype(np.float32)
        queries = rng.integers(-2, 3, size=(m, d)).astype(np.float32)
    else:
        corpus = (rng.standard_normal((n, d)) * rng.uniform(0.1, 10, size=(n, 1))).astype(np.float32)
        queries = rng.standard_normal((m, d)).astype(np.float32)
    with (
        mock.patch.object(similarity, "FIRST_BLOCK", first),
        mock.patch.object(similarity, "CHUNK_BYTES", 4 * d * chunk),
        mock.patch.object(similarity, "SCORE_BYTES", 4 * max(chunk, k) * 2),  # two queries per block
    ):
        indices, scores = top_k(queries, corpus, k)
    nonzero = np.linalg.norm(queries, axis=1) > 0
    if grid:  # zero vectors score 0 against everything; compare only the well-defined rows
        queries, indices, scores = queries[nonzero], indices[nonzero], scores[nonzero]
        if not len(queries):
            return
    assert_matches_reference(queries, corpus, k, indices, scores)


def test_top_k_ties_go_to_the_lower_index() -> None:
    corpus = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [2, 0]], dtype=np.float32)
    with mock.patch.object(similarity, "FIRST_BLOCK", 2), mock.patch.object(similarity, "CHUNK_BYTES", 8):
        indices, scores = top_k([1, 0], corpus, 3)
    assert indices.tolist() == [[0, 2, 3]]
    np.testing.assert_allclose(scores, [[1, 1, 1]])


def test_top_k_adversarial_order_uses_the_per_row_cut() -> None:
    # scores rise along the corpus, so every chunk beats the threshold: the per-row cut must keep it exact
    angles = np.linspace(np.pi, 0, 5000)
    corpus = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    with (
        mock.patch.object(similarity, "FIRST_BLOCK", 16),
        mock.patch.object(similarity, "CHUNK_BYTES", 4 * 2 * 256),
    ):
        indices, scores = top_k([[1, 0], [1, 0.01]], corpus, 10)
    assert_matches_reference(np.array([[1, 0], [1, 0.01]], np.float32), corpus, 10, indices, scores)
    assert indices[0].tolist() == list(range(4999, 4989, -1))


def test_top_k_adversarial_order_with_ties_keeps_the_lower_indices() -> None:
    # rising scores, each value four times in a row: the per-row cut must not pick among ties arbitrarily
    angles = np.repeat(np.linspace(np.pi, 0, 1000), 4)
    corpus = np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)
    with (
        mock.patch.object(similarity, "FIRST_BLOCK", 16),
        mock.patch.object(similarity, "CHUNK_BYTES", 4 * 2 * 256),
    ):
        indices, _ = top_k([1, 0], corpus, 6)
    assert indices[0].tolist() == [3996, 3997, 3998, 3999, 3992, 3993]


def test_top_k_nan_rows_and_queries_leave_empty_slots() -> None:
    corpus = np.array([[1, 0], [np.nan, np.nan], [0, 1], [np.nan, 1]], dtype=np.float32)
    indices, scores = top_k([[1, 0], [np.nan, 0]], corpus, 4)
    assert indices[0].tolist() == [0, 2, -1, -1]
    np.testing.assert_allclose(scores[0, :2], [1, 0], atol=1e-7)
    assert np.all(np.isneginf(scores[0, 2:]))
    assert indices[1].tolist() == [-1, -1, -1, -1]


def test_top_k_normalized_flag_skips_rescaling_only() -> None:
    rng = np.random.default_rng(3)
    corpus = rng.standard_normal((300, 16)).astype(np.float32)
    unit = corpus / np.linalg.norm(corpus, axis=1, keepdims=True)
    q = rng.standard_normal((3, 16))
    a = top_k(q, corpus, 5)
    b = top_k(q, unit, 5, normalized=True)
    assert np.array_equal(a[0], b[0])
    np.testing.assert_allclose(a[1], b[1], atol=1e-6)


def test_top_k_bad_arguments() -> None:
    with pytest.raises(ValueError, match="k must be at least 1"):
        top_k([1, 0], [[1, 0]], 0)
    with pytest.raises(ValueError, match="embed both with one deployment"):
        top_k([1, 0, 0], [[1, 0]], 1)
    indices, scores = top_k([[1, 0]], np.zeros((0, 2), np.float32), 3)
    assert indices.shape == (1, 0) and scores.shape == (1, 0)


def test_large_corpus_agrees_with_one_matrix_product() -> None:
    """The default chunk sizes on a corpus several chunks long (10,922 rows per chunk at 384 dims)."""
    rng = np.random.default_rng(4)
    corpus = rng.standard_normal((30_000, 384)).astype(np.float32)
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    queries = rng.standard_normal((8, 384)).astype(np.float32)
    indices, scores = top_k(queries, corpus, 10, normalized=True)
    full = (queries / np.linalg.norm(queries, axis=1, keepdims=True)) @ corpus.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :10]
    assert np.array_equal(indices, expected)
    np.testing.assert_allclose(scores, np.take_along_axis(full, expected, 1), atol=1e-6)


def test_rank_on_vectors_labels_with_texts() -> None:
    corpus = np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]], dtype=np.float32)
    table = rank([1, 0], corpus, k=2, texts=["east", "east-ish", "north", "west"])
    assert [(h.text, h.index, h.rank) for h in table] == [("east", 0, 1), ("east-ish", 1, 2)]
    assert table.single and len(table) == 2
    with pytest.raises(ValueError, match="texts has 2 items but the corpus has 4"):
        rank([1, 0], corpus, texts=["a", "b"])
    multi = rank(np.array([[1, 0], [0, 1]]), corpus, k=1)
    assert not multi.single
    assert [(h.query, h.index) for h in multi] == [(0, 0), (1, 2)]


def test_a_nan_row_does_not_turn_scores_into_raw_dot_products() -> None:
    from aoai_nb.embeddings._similarity import top_k

    rng = np.random.default_rng(0)
    corpus = rng.random((5, 4)).astype(np.float32) * 3  # rows far from unit length
    with_nan = corpus.copy()
    with_nan[2] = np.nan
    indices, scores = top_k(corpus[:1], with_nan, 5)
    assert indices[0, -1] == -1 and scores[0, -1] == -np.inf  # the NaN row is reported missing
    assert np.all(scores[0, :-1] <= 1.0 + 1e-6) and scores[0, 0] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("k", [2.5, "3", True, None])
def test_rank_names_k_when_it_is_not_a_whole_number(k: Any) -> None:
    corpus = np.eye(3, dtype=np.float32)
    with pytest.raises(TypeError, match=r"k must be a whole number of results, e\.g\. k=5"):
        rank(corpus[0], corpus, k)


def test_rank_accepts_numpy_integers_for_k() -> None:
    corpus = np.eye(3, dtype=np.float32)
    assert len(rank(corpus[0], corpus, np.int64(2)).to_pandas()) == 2


def test_a_ragged_corpus_names_the_item_and_the_fix() -> None:
    with pytest.raises(
        ValueError, match=r"corpus\[2\] has 2 dimensions but corpus\[0\] has 3.*embed them all"
    ):
        rank([1.0, 0.0, 0.0], [[1, 0, 0], [0, 1, 0], [1, 0]], 1)
    with pytest.raises(TypeError, match=r"corpus\[1\] is not a vector of numbers"):
        rank([1.0, 0.0, 0.0], [[1, 0, 0], "not a vector"], 1)


@pytest.mark.parametrize(
    ("query", "corpus", "where"),
    [("", ["a", "b"], "query"), ("q", ["a", "", "b"], r"corpus\[1\]"), (["q", " "], ["a"], r"query\[1\]")],
)
def test_rank_names_an_empty_text_before_embedding_anything(query: Any, corpus: Any, where: str) -> None:
    with pytest.raises(ValueError, match=rf"{where} is an empty text: there is nothing to embed"):
        rank(query, corpus, 1, client=object())  # type: ignore[arg-type]  # never reached
