"""A disk cache for embeddings, so re-running a notebook costs no requests.

One SQLite file (``embeddings.sqlite3``, stdlib ``sqlite3``) in the cache directory: ``AOAI_NB_CACHE_DIR`` when
set, else ``~/.cache/aoai-nb/embeddings``. A vector is stored once per (endpoint host, deployment, model,
dimensions, text) as a float32 blob under a 32-byte SHA-256 key; texts themselves are not stored.

The model is learnt from responses: the cache remembers which model each (host, deployment, dimensions)
answered with (for aoai_nb's emulator, with its engine appended, e.g. ``text-embedding-3-small [scripted]``),
and looks vectors up under it. When a deployment starts answering with another model, :func:`aoai_nb.embed`
notices on its next request and re-embeds what it had served from the old model's entries.
Safe across processes (SQLite locking); one ``EmbeddingCache`` object is meant for one thread.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
import numpy.typing as npt

ENV_CACHE_DIR = "AOAI_NB_CACHE_DIR"
FILENAME = "embeddings.sqlite3"
_LOOKUP_BATCH = 500  # keys per SELECT ... IN (...)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, dims INTEGER NOT NULL, vector BLOB NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS models (
    host TEXT NOT NULL, deployment TEXT NOT NULL, dimensions INTEGER NOT NULL, model TEXT NOT NULL,
    PRIMARY KEY (host, deployment, dimensions));
"""


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``$AOAI_NB_CACHE_DIR``, else ``~/.cache/aoai-nb/embeddings``."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_CACHE_DIR, "").strip()
    return Path(value).expanduser() if value else Path.home() / ".cache" / "aoai-nb" / "embeddings"


@dataclass(frozen=True)
class Namespace:
    """What besides the text decides a vector: where it came from and how it was asked for."""

    host: str
    deployment: str
    model: str
    dimensions: int | None

    def key(self, text: str) -> bytes:
        head = f"{self.host}\0{self.deployment}\0{self.model}\0{self.dimensions or 0}\0".encode()
        return hashlib.sha256(head + text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Vectors on disk, looked up many at a time. Use as a context manager, or call ``close()``."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.directory / FILENAME, timeout=30.0)
        except (OSError, sqlite3.Error) as exc:
            raise OSError(
                f"Cannot open the embeddings cache in {self.directory} ({exc}). Pass cache=False to embed "
                f"without one, or cache='some/writable/dir' (or set {ENV_CACHE_DIR})."
            ) from exc
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @property
    def path(self) -> Path:
        return self.directory / FILENAME

    def model_for(self, host: str, deployment: str, dimensions: int | None) -> str | None:
        """The model this deployment last answered with, or None before its first request."""
        row = self._db.execute(
            "SELECT model FROM models WHERE host=? AND deployment=? AND dimensions=?",
            (host, deployment, dimensions or 0),
        ).fetchone()
        return None if row is None else str(row[0])

    def set_model(self, host: str, deployment: str, dimensions: int | None, model: str) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO models (host, deployment, dimensions, model) VALUES (?, ?, ?, ?)",
                (host, deployment, dimensions or 0, model),
            )

    def get_many(self, namespace: Namespace, texts: Sequence[str]) -> dict[int, npt.NDArray[np.float32]]:
        """Position in ``texts`` -> cached vector, for the texts that are cached."""
        keys = [namespace.key(t) for t in texts]
        found: dict[bytes, npt.NDArray[np.float32]] = {}
        for start in range(0, len(keys), _LOOKUP_BATCH):
            batch = keys[start : start + _LOOKUP_BATCH]
            marks = ",".join("?" * len(batch))
            query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"
            for key, blob in self._db.execute(query, batch):
                found[bytes(key)] = np.frombuffer(blob, dtype=np.float32)
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put_many(self, namespace: Namespace, items: Iterable[tuple[str, npt.NDArray[Any]]]) -> int:
        """Store (text, vector) pairs; returns how many were written."""
        rows = [
            (namespace.key(text), int(v.shape[-1]), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for text, v in items
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, dims, vector) VALUES (?, ?, ?)", rows)
        return len(rows)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.directory.glob(FILENAME + "*"))

    def clear(self) -> None:
        """Forget every vector and model (the file stays, emptied)."""
        with self._db:
            self._db.execute("DELETE FROM vectors")
            self._db.execute("DELETE FROM models")
        self._db.execute("VACUUM")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<EmbeddingCache {str(self.directory)!r}>"


def open_cache(cache: bool | str | Path | EmbeddingCache | None) -> tuple[EmbeddingCache | None, bool]:
    """Resolve embed()'s ``cache=`` argument: (cache or None, whether the caller must close it)."""
    if cache is None or cache is False:
        return None, False
    if isinstance(cache, EmbeddingCache):
        return cache, False
    if cache is True:
        return EmbeddingCache(), True
    if isinstance(cache, str | os.PathLike):
        return EmbeddingCache(cache), True
    raise TypeError(
        f"cache must be True, False, a directory path or an EmbeddingCache; got {type(cache).__name__}."
    )
