"""An embeddings response as a view: shape, each vector's norm and first values."""

from __future__ import annotations

import base64
import math
import struct
from dataclasses import dataclass
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import as_dict
from aoai_nb.display._usage import describe_usage

PREVIEW = 5
MAX_ROWS = 20


def _vector(value: Any) -> list[float]:
    """A list of floats, or a base64 string of little-endian float32 (``encoding_format="base64"``)."""
    if isinstance(value, str):
        raw = base64.b64decode(value)
        return list(struct.unpack(f"<{len(raw) // 4}f", raw[: len(raw) // 4 * 4]))
    return [float(v) for v in value or []]


@dataclass(frozen=True, repr=False)
class EmbeddingsView(View):
    vectors: tuple[tuple[float, ...], ...]
    model: str = ""
    usage: Any = None
    request_id: str | None = None

    @classmethod
    def from_response(cls, response: Any) -> EmbeddingsView:
        data = as_dict(response)
        items = sorted(data.get("data") or [], key=lambda d: int(d.get("index", 0) or 0))
        return cls(
            tuple(tuple(_vector(item.get("embedding"))) for item in items),
            model=str(data.get("model") or ""),
            usage=getattr(response, "usage", None) or data.get("usage"),
            request_id=getattr(response, "_request_id", None),
        )

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.vectors), len(self.vectors[0]) if self.vectors else 0

    def norms(self) -> list[float]:
        return [math.sqrt(sum(v * v for v in vec)) for vec in self.vectors]

    def __repr__(self) -> str:
        n, dims = self.shape
        return f"<EmbeddingsView {n}x{dims} {self.model}>".replace(" >", ">")

    def _rows(self) -> list[tuple[object, ...]]:
        rows: list[tuple[object, ...]] = []
        for index, (vec, norm) in enumerate(zip(self.vectors[:MAX_ROWS], self.norms(), strict=False)):
            head = ", ".join(f"{v:+.4f}" for v in vec[:PREVIEW])
            rows.append((index, f"{norm:.4f}", f"[{head}{', …' if len(vec) > PREVIEW else ''}]"))
        return rows

    def _summary(self) -> str:
        n, dims = self.shape
        parts = [f"{h.plural(n, 'vector')} x {dims} dims", self.model, describe_usage(self.usage)]
        if self.request_id:
            parts.append(f"request id: {self.request_id}")
        return " · ".join(p for p in parts if p)

    def to_text(self) -> str:
        more = len(self.vectors) - MAX_ROWS
        table = h.plain_table(("#", "norm", "first values"), self._rows())
        return f"embeddings: {self._summary()}\n{table}" + (f"\n… {more} more" if more > 0 else "")

    def to_html(self) -> str:
        more = len(self.vectors) - MAX_ROWS
        parts = [
            h.line(h.badge("embeddings"), h.esc(self._summary())),
            h.table(("#", "norm", "first values"), self._rows()),
        ]
        if more > 0:
            parts.append(h.line(h.esc(f"… {more} more"), muted=True))
        return h.box(*parts)
