"""Cosine similarity and top-k search over embedding vectors: vectorised numpy, chunked to bound memory.

- :func:`cosine_similarity` for two vectors, :func:`similarity_matrix` for every pair of two sets;
- :func:`top_k` for the raw ``(indices, scores)`` arrays, :func:`rank` for a :class:`RankTable` that renders
  in a notebook and converts with ``.to_pandas()``.

Top-k reads the corpus in chunks (about 16 MB each, so a chunk stays in cache while it is scored and
normalised) and never holds more than ``queries x chunk`` scores. The first block gives each query an exact
top-k; after that a chunk only contributes the scores above the current k-th best, found with one vectorised
comparison, so selection costs little next to the matrix product itself. Ties go to the lower index, so results
are deterministic. Slots that no finite score fills (a NaN query, or a corpus of NaN rows) hold index ``-1``
and score ``-inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from aoai_nb.embeddings._rank_table import RankTable

if TYPE_CHECKING:
    import openai

    from aoai_nb.embeddings._cache import EmbeddingCache

Matrix = npt.NDArray[np.float32]
CHUNK_BYTES = 16 * 2**20  # corpus rows per chunk: ~16 MB of vectors
SCORE_BYTES = 64 * 2**20  # at most this many bytes of scores at once
FIRST_BLOCK = 4096  # rows that seed each query's exact top-k
UNIT_TOLERANCE = 1e-6  # a row whose norm is this close to 1 counts as unit length

__all__ = ["RankTable", "cosine_similarity", "rank", "similarity_matrix", "top_k"]


def as_matrix(vectors: Any, name: str = "vectors") -> Matrix:
    """A 2-D float32 array from an array, a list of vectors, or a pandas Series of vectors (one per row)."""
    if hasattr(vectors, "to_numpy") and not isinstance(vectors, np.ndarray):
        vectors = vectors.to_numpy()
    if isinstance(vectors, np.ndarray) and vectors.dtype != object:
        array = vectors
    else:
        items = list(vectors)
        if items and isinstance(items[0], str):
            raise TypeError(f"{name} holds texts; embed them first (aoai_nb.embed) or pass them to rank().")
        if items and all(np.ndim(v) == 0 for v in items):  # a flat list of numbers: one vector
            array = np.stack(_rows([items], name))
        else:
            array = np.stack(_rows(items, name)) if items else np.zeros((0, 0))
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2:
        raise ValueError(f"{name} must be one vector or a 2-D array of vectors; got shape {array.shape}.")
    return array


def _rows(items: list[Any], name: str) -> list[Matrix]:
    """Each item as a float32 vector, all of one length; else an error naming the first bad item."""
    rows: list[Matrix] = []
    for i, item in enumerate(items):
        try:
            row = np.asarray(item, dtype=np.float32)
        except (TypeError, ValueError):
            raise TypeError(
                f"{name}[{i}] is not a vector of numbers ({_short(item)}); every item must be an embedding."
            ) from None
        if row.ndim != 1:
            raise ValueError(f"{name}[{i}] has shape {row.shape}; every item must be one flat vector.")
        if rows and len(row) != len(rows[0]):
            raise ValueError(
                f"{name}[{i}] has {len(row)} dimensions but {name}[0] has {len(rows[0])}: the vectors come from "
                "different deployments or dimensions; embed them all the same way."
            )
        rows.append(row)
    return rows


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def check_k(k: Any) -> int:
    """``k`` as a whole number of results (at least 1); a float, string or bool names the fix."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(
            f"k must be a whole number of results, e.g. k=5, not {_short(k)} ({type(k).__name__})."
        )
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}.")
    return int(k)


def _check_texts(value: Any, name: str) -> None:
    """A text query or corpus must hold no empty texts (nothing to embed, nothing to rank)."""
    items = [value] if isinstance(value, str) else list(value)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            where = name if isinstance(value, str) else f"{name}[{i}]"
            raise TypeError(f"{where} is {_short(text)}, not a text; give texts or vectors, not a mix.")
        if not text.strip():
            where = name if isinstance(value, str) else f"{name}[{i}]"
            raise ValueError(
                f"{where} is an empty text: there is nothing to embed. Drop empty texts first, "
                "e.g. [t for t in texts if t.strip()]."
            )


def normalize(vectors: Any) -> Matrix:
    """Rows scaled to unit length (zero rows stay zero, so their cosine with anything is 0)."""
    m = as_matrix(vectors)
    norms = np.sqrt(np.einsum("ij,ij->i", m, m))
    with np.errstate(divide="ignore"):
        inverse = np.where(norms > 0, 1.0 / norms, 0.0).astype(np.float32)
    return m * inverse[:, None]


def cosine_similarity(a: Any, b: Any) -> float:
    """Cosine of the angle between two vectors (0.0 when either is all zeros).

    For many vectors use :func:`similarity_matrix` (every pair) or :func:`rank` (the best matches): one call
    on whole arrays is orders of magnitude faster than calling this once per row.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if any(v.ndim > 1 and v.shape[0] > 1 for v in (x, y)):
        raise ValueError(
            "cosine_similarity compares two vectors; for many use similarity_matrix(a, b) or rank(query, corpus)."
        )
    x, y = x.ravel(), y.ravel()
    if x.shape != y.shape:
        raise ValueError(f"Vectors differ in length ({x.size} and {y.size}); embed both with one deployment.")
    denominator = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y) / denominator if denominator > 0 else 0.0


def similarity_matrix(a: Any, b: Any = None) -> Matrix:
    """Cosine similarity of every row of ``a`` with every row of ``b`` (``a`` with itself when ``b`` is None).

    Returns a float32 array of shape ``(len(a), len(b))``; a single vector counts as one row.
    """
    left = normalize(a)
    right = left if b is None else normalize(b)
    if left.shape[1] != right.shape[1]:
        raise ValueError(f"Dimensions differ: {left.shape[1]} and {right.shape[1]}; embed both the same way.")
    return left @ right.T


def top_k(queries: Any, corpus: Any, k: int = 10, *, normalized: bool = False) -> tuple[Any, Matrix]:
    """The ``k`` most similar corpus rows for each query: ``(indices, scores)``, each ``(n_queries, k)``.

    Rows are sorted by score, best first (ties: lower index first). ``normalized=True`` promises that the corpus
    rows already have unit length (as Azure's embeddings and :func:`aoai_nb.embed`'s do) and skips rescaling them.
    """
    q = normalize(queries)
    c = as_matrix(corpus, "corpus")
    if q.shape[1] != c.shape[1] and len(c):
        raise ValueError(
            f"Queries have {q.shape[1]} dimensions and the corpus {c.shape[1]}; embed both with one deployment."
        )
    k = min(check_k(k), len(c))
    if k == 0 or len(q) == 0:
        return np.zeros((len(q), 0), dtype=np.int64), np.zeros((len(q), 0), dtype=np.float32)
    chunk = max(k, CHUNK_BYTES // (4 * c.shape[1]))
    query_block = max(1, SCORE_BYTES // (4 * chunk))
    parts = [
        _top_k_block(q[i : i + query_block], c, k, chunk, normalized) for i in range(0, len(q), query_block)
    ]
    indices = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    missing = ~np.isfinite(scores)
    indices[missing], scores[missing] = -1, -np.inf
    return indices, scores


def _scores(q: Matrix, rows: Matrix, normalized: bool) -> Matrix:
    s = q @ rows.T
    if not normalized:
        norms = np.sqrt(np.einsum("ij,ij->i", rows, rows))
        # rows already unit length to float32 precision (deviation ~4e-7) need no rescaling
        # nanmax: a NaN row (a failed embedding) must not hide the other rows' norms
        if norms.size and not float(np.nanmax(np.abs(norms - 1.0), initial=0.0)) <= UNIT_TOLERANCE:
            with np.errstate(divide="ignore"):
                s *= np.where(norms > 0, 1.0 / norms, 0.0).astype(np.float32)
    return s


def _top_k_block(q: Matrix, c: Matrix, k: int, chunk: int, normalized: bool) -> tuple[Any, Matrix]:
    m = len(q)
    first = min(len(c), max(FIRST_BLOCK, 4 * k))
    s = np.nan_to_num(_scores(q, c[:first], normalized), nan=-np.inf)
    kth = np.partition(s, first - k, axis=1)[:, first - k]
    empty_i, empty_s = np.zeros((m, 0), dtype=np.int64), np.zeros((m, 0), dtype=np.float32)
    best_i, best_s = _merge(empty_i, empty_s, s, s >= kth[:, None], 0, k)
    for start in range(first, len(c), chunk):
        s = _scores(q, c[start : start + chunk], normalized)
        threshold = best_s[:, -1][:, None]
        above = s > threshold  # ties with a kept score go to the kept one: its index is lower
        if np.count_nonzero(above) > m * max(4 * k, s.shape[1] // 16):  # e.g. ascending order: cut per row
            finite = np.nan_to_num(s, nan=-np.inf)
            kept = min(k, s.shape[1])
            kth = np.partition(finite, s.shape[1] - kept, axis=1)[:, s.shape[1] - kept]
            above &= finite >= kth[:, None]  # >= keeps every tie; _merge orders them by index
        best_i, best_s = _merge(best_i, best_s, s, above, start, k)
    return best_i, best_s


def _merge(
    best_i: Any, best_s: Matrix, s: Matrix, mask: npt.NDArray[np.bool_], offset: int, k: int
) -> tuple[Any, Matrix]:
    """Each row's k best of its current best plus the masked scores of ``s`` (columns offset by ``offset``)."""
    flat = np.flatnonzero(mask)
    if flat.size == 0:
        return best_i, best_s
    m, held = best_s.shape
    rows, cols = np.divmod(flat, s.shape[1])
    all_rows = np.concatenate([np.repeat(np.arange(m), held), rows])
    all_cols = np.concatenate([best_i.ravel(), cols + offset])
    all_scores = np.concatenate([best_s.ravel(), s.ravel()[flat]])
    order = np.lexsort((all_cols, -all_scores, all_rows))
    all_rows, all_cols, all_scores = all_rows[order], all_cols[order], all_scores[order]
    counts = np.bincount(all_rows, minlength=m)
    position = np.arange(all_rows.size) - (np.cumsum(counts) - counts)[all_rows]
    keep = position < k
    return all_cols[keep].reshape(m, k), all_scores[keep].reshape(m, k)


def _is_texts(value: Any) -> bool:
    if isinstance(value, str):
        return True
    if isinstance(value, np.ndarray) and value.dtype != object:
        return False
    if hasattr(value, "iloc"):
        return len(value) > 0 and isinstance(value.iloc[0], str)
    return isinstance(value, Sequence) and len(value) > 0 and isinstance(value[0], str)


def rank(
    query: Any,
    corpus: Any,
    k: int = 10,
    *,
    texts: Sequence[str] | None = None,
    client: openai.OpenAI | openai.AzureOpenAI | None = None,
    deployment: str | None = None,
    dimensions: int | None = None,
    cache: bool | str | Path | EmbeddingCache = True,
    normalized: bool = False,
) -> RankTable:
    """The ``k`` corpus items most similar to ``query``, as a table of (text, score, index).

    ``query``: a text, a vector, a list of texts or a 2-D array of query vectors (one table, grouped by query).
    ``corpus``: texts (embedded with :func:`aoai_nb.embed`; the disk cache makes re-runs free) or vectors;
    ``texts`` labels a corpus of vectors (e.g. ``df["text"]`` beside ``df["embedding"]``).
    """
    check_k(k)
    labels: list[str] | None = None
    query_vectors: Any = query
    for value, name in ((query, "query"), (corpus, "corpus")):
        if _is_texts(value):
            _check_texts(value, name)
    if _is_texts(query) or _is_texts(corpus):
        from aoai_nb.embeddings._embed import embed

        options: dict[str, Any] = {"client": client, "deployment": deployment, "dimensions": dimensions}
        if _is_texts(corpus):
            texts = list(corpus)
            corpus = embed(texts, cache=cache, **options)
            normalized = True
        if _is_texts(query):
            labels = [query] if isinstance(query, str) else list(query)
            query_vectors = embed(labels, cache=cache, progress=False, **options)
    single = isinstance(query, str) or (labels is None and np.ndim(query_vectors) == 1)
    vectors = as_matrix(corpus, "corpus")
    corpus_texts = None if texts is None else list(texts)
    if corpus_texts is not None and len(corpus_texts) != len(vectors):
        raise ValueError(f"texts has {len(corpus_texts)} items but the corpus has {len(vectors)} vectors.")
    indices, scores = top_k(query_vectors, vectors, k, normalized=normalized)
    return RankTable(indices, scores, texts=corpus_texts, queries=None if single else labels, single=single)
