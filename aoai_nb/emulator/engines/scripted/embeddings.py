"""Scripted embeddings: deterministic unit vectors from a text's words and character trigrams.

Each text becomes a bag of features (lower-cased words, weight 1, or 0.25 for common function words such as
"the"; character trigrams of each other word padded with spaces, weight 0.5). Features are hashed with a sign into 4096 buckets, and the bucket vector is
projected by a fixed Gaussian matrix (seeded, built once) into 1536 dimensions, then L2-normalised. Texts
sharing words or spelling share directions, so related texts score a higher cosine similarity than unrelated
ones; the vectors carry no meaning beyond that surface overlap.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.engines.base import EmbeddingResult, EngineInputError
from aoai_nb.emulator.engines.scripted.tokens import count_tokens, stable_hash

NATIVE_DIMENSIONS = 1536
BUCKETS = 4096
_WORD = re.compile(r"\w+")
_FUNCTION_WORDS = frozenset(
    "a an the and or but of to in on at by for with from as is are was were be been it its this that these"
    " those i you he she we they me my your our their do does did not no so if then than there here".split()
)


@lru_cache(maxsize=1)
def _projection() -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(20240601)
    matrix = rng.standard_normal((BUCKETS, NATIVE_DIMENSIONS)) / np.sqrt(BUCKETS)
    return np.asarray(matrix, dtype=np.float32)


@lru_cache(maxsize=65536)
def _bucket(feature: str) -> tuple[int, float]:
    h = stable_hash("feature", feature)
    return h % BUCKETS, 1.0 if (h >> 32) & 1 else -1.0


def feature_counts(text: str) -> npt.NDArray[np.float32]:
    """The signed, hashed bag of words and trigrams of ``text`` (length BUCKETS)."""
    counts = np.zeros(BUCKETS, dtype=np.float32)
    for word in _WORD.findall(text.lower()):
        index, sign = _bucket(f"w:{word}")
        if word in _FUNCTION_WORDS:
            counts[index] += 0.25 * sign
            continue
        counts[index] += sign
        padded = f" {word} "
        for start in range(len(padded) - 2):
            index, sign = _bucket(f"t:{padded[start : start + 3]}")
            counts[index] += 0.5 * sign
    if not counts.any():  # no word characters: a fixed direction per text (empty text included)
        index, sign = _bucket(f"raw:{text}")
        counts[index] = sign
    return counts


def normalise_rows(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    zero = norms[:, 0] == 0
    if zero.any():  # cannot happen with the projection, kept for safety after truncation
        matrix[zero, 0] = 1.0
        norms[zero] = 1.0
    return np.asarray(matrix / norms, dtype=np.float32)


class ScriptedEmbeddingEngine:
    instant = False  # run in a worker thread
    name = "scripted"
    native_dimensions = NATIVE_DIMENSIONS

    def embed(self, texts: list[str], dimensions: int | None = None) -> EmbeddingResult:
        if dimensions is not None and not 1 <= dimensions <= NATIVE_DIMENSIONS:
            raise EngineInputError(
                f"dimensions must be between 1 and {NATIVE_DIMENSIONS} for this model, got {dimensions}.",
                param="dimensions",
            )
        if not texts:
            return EmbeddingResult(
                np.zeros((0, dimensions or NATIVE_DIMENSIONS), np.float32), prompt_tokens=0
            )
        projection = _projection()
        # Row by row over each text's non-zero buckets: a text's vector never depends on its batch's shape
        # (a batched matmul may round differently with the batch size on some CPUs).
        rows = []
        for text in texts:
            counts = feature_counts(text)
            used = np.flatnonzero(counts)
            rows.append(counts[used] @ projection[used])
        vectors = np.stack(rows)
        if dimensions is not None:
            vectors = vectors[:, :dimensions].copy()
        return EmbeddingResult(
            vectors=normalise_rows(vectors), prompt_tokens=sum(count_tokens(text) for text in texts)
        )
