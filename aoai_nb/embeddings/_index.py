"""SemanticIndex: a small in-memory semantic search index for notebooks.

Add texts (embedded with :func:`aoai_nb.embed`, so cached on disk) with optional metadata, search by text or
by vector, save to ``name.npz`` (the vectors) plus ``name.json`` (texts, metadata, settings) and load again.
Search is exact (brute force, :func:`aoai_nb.embeddings._similarity.top_k`): about 0.1 s for 100 queries over 200,000
vectors of 384 dimensions on two cores, and it grows linearly with the corpus.

When to move beyond it: past roughly a million vectors (1M x 1536 float32 is 6 GB of RAM), when several
processes must share and update one index, when you need deletes, metadata filters pushed into the search, or
persistence with transactions. Then load the same arrays into a vector store (Azure AI Search, PostgreSQL with
pgvector, Azure Cosmos DB vector search) or an approximate-nearest-neighbour library (FAISS, hnswlib):
``index.vectors``, ``index.texts`` and ``index.metadata`` are exactly what they ingest; docs/embeddings.md
shows how.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aoai_nb.embeddings._rank_table import RankTable
from aoai_nb.embeddings._similarity import Matrix, as_matrix, normalize, top_k

if TYPE_CHECKING:
    import openai

    from aoai_nb.embeddings._cache import EmbeddingCache

FORMAT = "aoai-nb.semantic-index/1"


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(
        f"Metadata value {value!r} ({type(value).__name__}) cannot be saved as JSON: use strings, numbers, "
        "booleans, lists or dicts."
    )


class SemanticIndex:
    """Texts, their unit-length vectors and per-text metadata, searchable by cosine similarity."""

    def __init__(
        self,
        *,
        client: openai.OpenAI | openai.AzureOpenAI | None = None,
        deployment: str | None = None,
        dimensions: int | None = None,
        cache: bool | str | Path | EmbeddingCache = True,
    ) -> None:
        self.client, self.deployment, self.dimensions, self.cache = client, deployment, dimensions, cache
        self._buffer: Matrix = np.zeros((0, 0), dtype=np.float32)
        self._size = 0
        self.texts: list[str] = []
        self.metadata: list[dict[str, Any]] = []

    @property
    def vectors(self) -> Matrix:
        """The ``(len(self), dims)`` unit-length float32 vectors (a read-only view)."""
        view = self._buffer[: self._size]
        view.flags.writeable = False
        return view

    @property
    def dims(self) -> int:
        return int(self._buffer.shape[1])

    def __len__(self) -> int:
        return self._size

    def __repr__(self) -> str:
        where = f", deployment {self.deployment!r}" if self.deployment else ""
        return f"<SemanticIndex {self._size:,} texts x {self.dims} dims{where}>"

    def _embed(self, texts: Sequence[str]) -> Matrix:
        from aoai_nb.embeddings._embed import embed

        return embed(
            list(texts),
            client=self.client,
            deployment=self.deployment,
            dimensions=self.dimensions,
            cache=self.cache,
        )

    def add(
        self,
        texts: Sequence[str] | Any,
        metadata: Sequence[Mapping[str, Any]] | Any = None,
        *,
        vectors: Any = None,
    ) -> SemanticIndex:
        """Add texts (a list or a pandas Series), embedding them unless ``vectors`` are given; returns the index.

        ``metadata``: one mapping per text, or a pandas DataFrame (one row per text); kept and shown in results.
        """
        items = (
            [texts] if isinstance(texts, str) else list(texts.tolist() if hasattr(texts, "tolist") else texts)
        )
        if hasattr(metadata, "to_dict"):
            metadata = metadata.to_dict("records")
        records = [dict(m) for m in metadata] if metadata is not None else [{} for _ in items]
        if len(records) != len(items):
            raise ValueError(
                f"Got {len(items)} texts but {len(records)} metadata records; give one per text."
            )
        new = normalize(self._embed(items) if vectors is None else as_matrix(vectors))
        if len(new) != len(items):
            raise ValueError(f"Got {len(items)} texts but {len(new)} vectors; give one vector per text.")
        if self._size and new.shape[1] != self.dims:
            raise ValueError(
                f"These vectors have {new.shape[1]} dimensions, the index {self.dims}: embed everything with one "
                "deployment and one dimensions= setting."
            )
        self._append(new)
        self.texts.extend(str(t) for t in items)
        self.metadata.extend(records)
        return self

    def _append(self, new: Matrix) -> None:
        needed = self._size + len(new)
        if needed > len(self._buffer) or self._buffer.shape[1] != new.shape[1]:
            grown = np.zeros((max(needed, 2 * len(self._buffer), 64), new.shape[1]), dtype=np.float32)
            if self._size:
                grown[: self._size] = self._buffer[: self._size]
            self._buffer = grown
        self._buffer[self._size : needed] = new
        self._size = needed

    def search(
        self,
        query: str | Sequence[str] | Any,
        k: int = 5,
        *,
        where: Callable[[dict[str, Any]], bool] | None = None,
    ) -> RankTable:
        """The ``k`` best matches for a text, a vector, or several of either (one table, grouped by query).

        ``where`` keeps only items whose metadata passes, e.g. ``where=lambda m: m["year"] >= 2020``.
        """
        if self._size == 0:
            raise ValueError("The index is empty: add texts first (index.add(texts)).")
        labels: list[str] | None = None
        if isinstance(query, str) or (isinstance(query, Sequence) and query and isinstance(query[0], str)):
            labels = [query] if isinstance(query, str) else [str(q) for q in query]
            vectors = self._embed(labels)
        else:
            vectors = as_matrix(query, "query")
        single = isinstance(query, str) or (labels is None and np.ndim(query) == 1)
        corpus, positions = self.vectors, None
        if where is not None:
            positions = np.flatnonzero([bool(where(m)) for m in self.metadata])
            corpus = corpus[positions]
        indices, scores = top_k(vectors, corpus, k, normalized=True)
        if positions is not None and indices.size:
            indices = np.where(indices >= 0, positions[np.maximum(indices, 0)], -1)
        return RankTable(
            indices, scores, texts=self.texts, queries=labels, single=single, metadata=self.metadata
        )

    def save(self, path: str | Path) -> Path:
        """Write ``path.npz`` (vectors) and ``path.json`` (texts, metadata, settings); returns the .npz path."""
        base = Path(path)
        base = base.with_suffix("") if base.suffix in (".npz", ".json") else base
        info = {
            "format": FORMAT,
            "deployment": self.deployment,
            "dimensions": self.dimensions,
            "count": self._size,
            "texts": self.texts,
            "metadata": self.metadata,
        }
        text = json.dumps(info, ensure_ascii=False, default=_json_value)
        base.parent.mkdir(parents=True, exist_ok=True)
        np.savez(base.with_suffix(".npz"), vectors=self.vectors)
        base.with_suffix(".json").write_text(text, encoding="utf-8")
        return base.with_suffix(".npz")

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        client: openai.OpenAI | openai.AzureOpenAI | None = None,
        cache: bool | str | Path | EmbeddingCache = True,
    ) -> SemanticIndex:
        """Read an index written by :meth:`save`; ``client`` and ``cache`` are for embedding queries and adds."""
        base = Path(path)
        base = base.with_suffix("") if base.suffix in (".npz", ".json") else base
        try:
            info = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
            with np.load(base.with_suffix(".npz"), allow_pickle=False) as data:
                vectors = np.asarray(data["vectors"], dtype=np.float32)
        except FileNotFoundError as exc:
            raise FileNotFoundError(
                f"No saved index at {base}: SemanticIndex.save() writes {base.name}.npz and {base.name}.json."
            ) from exc
        if info.get("format") != FORMAT or len(info["texts"]) != len(vectors):
            raise ValueError(f"{base}.json is not a SemanticIndex file or does not match {base}.npz.")
        index = cls(
            client=client, deployment=info.get("deployment"), dimensions=info.get("dimensions"), cache=cache
        )
        index._append(vectors)
        index.texts = [str(t) for t in info["texts"]]
        index.metadata = [dict(m) for m in info["metadata"]]
        return index
