"""RankTable: the result of :func:`aoai_nb.rank` and :meth:`aoai_nb.SemanticIndex.search` as a value object.

It renders as a text table (``print``) and as an HTML table with a score bar (Jupyter), iterates as
:class:`Hit` tuples and converts with ``.to_pandas()``. Everything shown is escaped; pandas is imported only by
``to_pandas``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aoai_nb.display import _html as h
from aoai_nb.display._base import View

if TYPE_CHECKING:
    import pandas as pd

MAX_ROWS = 50  # per query, in the rendered views
MAX_QUERIES = 20
TEXT_WIDTH = 90


@dataclass(frozen=True)
class Hit:
    text: str | None
    score: float
    index: int
    rank: int  # 1 = best
    query: int  # position of the query in a multi-query search; 0 for a single query
    metadata: Mapping[str, Any] | None = None


@dataclass(frozen=True, repr=False, eq=False)
class RankTable(View):
    """Top-k matches: ``indices``/``scores`` are ``(n_queries, k)`` arrays (index -1 marks an empty slot)."""

    indices: Any
    scores: Any
    texts: Sequence[str] | None = None  # the corpus texts, looked up by index
    queries: Sequence[str] | None = None  # query texts, when known
    single: bool = True
    metadata: Sequence[Mapping[str, Any] | None] | None = None  # one mapping per corpus item

    def hits(self, query: int | None = None) -> list[Hit]:
        """Every filled slot, best first per query (only ``query``'s when given)."""
        rows = range(len(self.indices)) if query is None else [query]
        out: list[Hit] = []
        for q in rows:
            for r, (i, s) in enumerate(zip(self.indices[q], self.scores[q], strict=True), start=1):
                if i >= 0:
                    text = None if self.texts is None else self.texts[i]
                    meta = None if self.metadata is None else self.metadata[i]
                    out.append(Hit(text, float(s), int(i), r, q, meta))
        return out

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits())

    def __len__(self) -> int:
        return int(np.count_nonzero(np.asarray(self.indices) >= 0))

    def __getitem__(self, position: int) -> Hit:
        return self.hits()[position]

    def __repr__(self) -> str:
        n_queries = len(self.indices)
        where = "" if self.single else f" for {n_queries} queries"
        return f"<RankTable {len(self)} hits{where}>"

    def _metadata_keys(self) -> list[str]:
        keys: dict[str, None] = {}
        for hit in self.hits():
            keys.update(dict.fromkeys(hit.metadata or {}))
        return [k for k in keys if k not in ("text", "score", "index", "rank", "query")]

    def to_pandas(self) -> pd.DataFrame:
        """One row per hit: ``query`` (several queries only), ``rank``, ``text``, ``score``, ``index``, metadata."""
        import pandas as pd

        keys = self._metadata_keys()
        records: list[dict[str, Any]] = []
        for hit in self.hits():
            row: dict[str, Any] = {} if self.single else {"query": self._query_label(hit.query)}
            row["rank"] = hit.rank
            if self.texts is not None:
                row["text"] = hit.text
            row.update(score=hit.score, index=hit.index)
            row.update({k: (hit.metadata or {}).get(k) for k in keys})
            records.append(row)
        columns = ([] if self.single else ["query"]) + ["rank"] + (["text"] if self.texts is not None else [])
        return pd.DataFrame.from_records(records, columns=[*columns, "score", "index", *keys])

    def _query_label(self, q: int) -> str:
        return self.queries[q] if self.queries is not None else f"query {q}"

    def _rows(self, q: int) -> list[tuple[object, ...]]:
        keys = self._metadata_keys()
        rows: list[tuple[object, ...]] = []
        for hit in self.hits(q)[:MAX_ROWS]:
            text = [] if self.texts is None else [h.shorten(hit.text or "", TEXT_WIDTH)]
            meta = [(hit.metadata or {}).get(k, "") for k in keys]
            rows.append((hit.rank, f"{hit.score:.4f}", hit.index, *text, *meta))
        return rows

    def _headers(self) -> tuple[str, ...]:
        text = () if self.texts is None else ("text",)
        return ("#", "score", "index", *text, *self._metadata_keys())

    def _groups(self) -> list[int]:
        return list(range(min(len(self.indices), MAX_QUERIES)))

    def to_text(self) -> str:
        if len(self) == 0:
            return "RankTable: no matches"
        parts: list[str] = []
        for q in self._groups():
            if not self.single:
                parts.append(f"{self._query_label(q)!r}:" if self.queries else f"{self._query_label(q)}:")
            parts.append(h.plain_table(self._headers(), self._rows(q)))
        parts.extend(self._more())
        return "\n".join(parts)

    def _more(self) -> list[str]:
        more_queries = len(self.indices) - MAX_QUERIES
        more_rows = max((len(self.hits(q)) for q in self._groups()), default=0) - MAX_ROWS
        notes = [f"… {more_rows} more rows per query" if more_rows > 0 else ""]
        notes.append(f"… {more_queries} more queries" if more_queries > 0 else "")
        return [n for n in notes if n] + (["(.to_pandas() has every row)"] if any(notes) else [])

    def to_html(self) -> str:
        if len(self) == 0:
            return h.box(h.line("RankTable: no matches", muted=True))
        parts: list[str] = []
        for q in self._groups():
            if not self.single:
                parts.append(h.line(h.badge("query"), h.esc(h.shorten(self._query_label(q), TEXT_WIDTH))))
            rows = [(r[0], _score_bar(float(str(r[1]))), *r[2:]) for r in self._rows(q)]
            parts.append(h.table(self._headers(), rows))
        parts.extend(h.line(h.esc(note), muted=True) for note in self._more())
        return h.box(*parts)


def _score_bar(score: float) -> h.Raw:
    """The score as text over a bar whose width is the score (cosine, clipped to 0..1)."""
    width = max(0.0, min(1.0, score)) * 100
    bar = f"background:linear-gradient(90deg,#b6e3ff {width:.0f}%,transparent {width:.0f}%)"
    return h.Raw(f'<span style="{h.MONO};{bar};display:inline-block;min-width:6em">{score:.4f}</span>')
