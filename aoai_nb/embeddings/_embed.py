"""embed(): many texts to one float32 array, in few requests, concurrently, cached on disk, riding out 429s.

How a call goes:

1. Texts are checked up front (a DataFrame, a missing value or a non-string is a ``TypeError`` naming the fix),
   duplicates are embedded once, and empty or over-long texts (estimated over 8,191 tokens) become failed items
   without costing a request.
2. The disk cache (:mod:`aoai_nb.embeddings._cache`) answers what it can; a re-run of a notebook sends nothing.
3. The rest goes out in batches of at most ``batch_size`` texts (Azure's limit is 2,048 per request) and
   ``max_batch_tokens`` estimated tokens, ``concurrency`` requests at a time from worker threads with the sync
   client (safe inside Jupyter's running event loop: no ``asyncio.run``).
4. A 429 is first retried by the SDK (``max_retries``, honouring ``retry-after-ms`` up to 120 s); if it still
   fails, embed() pauses every worker for the server's ``retry-after-ms``/``retry-after`` (else exponential
   backoff, at most ``max_wait`` seconds a time) and retries, up to ``rate_limit_retries`` times.
5. A 400 for a batch is split in halves until the offending texts are isolated (bounded by ``max_splits``);
   other failures mark their batch's texts as failed. Successes are cached as they arrive, then, if anything
   failed, :class:`EmbeddingBatchError` lists the failed items and keeps the successful rows.

Token counts are estimates (UTF-8 bytes / 4, rounded up; tiktoken would download files): about right for
English, low for some scripts, which the halving in step 5 catches. Steps 3-5 live in
:mod:`aoai_nb.embeddings._requests`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from aoai_nb.embeddings._cache import EmbeddingCache, open_cache
from aoai_nb.embeddings._requests import (
    DEFAULT_BATCH_TOKENS,
    MAX_INPUT_TOKENS,
    MAX_INPUTS_PER_REQUEST,
    EmbeddingRun,
    FailedItem,
    Vectors,
    estimate_tokens,
)

if TYPE_CHECKING:
    import openai

__all__ = [
    "DEFAULT_BATCH_TOKENS",
    "MAX_INPUTS_PER_REQUEST",
    "MAX_INPUT_TOKENS",
    "EmbeddingBatchError",
    "FailedItem",
    "embed",
    "estimate_tokens",
]


class EmbeddingBatchError(RuntimeError):
    """Some texts were not embedded. The rest were, and are kept:

    - ``failures``: one :class:`FailedItem` (index, text, reason, status) per failed text, in input order;
    - ``embeddings``: the full ``(n, dims)`` float32 array, NaN rows where embedding failed;
    - ``ok``: boolean mask of the rows that succeeded (``embeddings[ok]`` are good vectors).

    With a cache, successful vectors are also on disk, so calling embed() again only requests the failed texts.
    """

    def __init__(
        self,
        failures: Sequence[FailedItem],
        embeddings: Vectors,
        ok: npt.NDArray[np.bool_],
        cached: bool = True,
    ) -> None:
        self.failures = tuple(sorted(failures, key=lambda f: f.index))
        self.embeddings = embeddings
        self.ok = ok
        total = len(ok)
        lines = [f"{len(self.failures)} of {total:,} texts were not embedded:"]
        lines += [f"  [{f.index}] {f.preview!r}: {f.reason}" for f in self.failures[:10]]
        if len(self.failures) > 10:
            lines.append(f"  … and {len(self.failures) - 10} more (err.failures lists them all)")
        where = " and in the cache" if cached else ""
        lines.append(
            f"The {int(ok.sum()):,} that succeeded are in err.embeddings (NaN rows where failed; err.ok is the "
            f"mask){where}: fix or drop the failed texts and call embed() again."
        )
        super().__init__("\n".join(lines))

    @property
    def failed_indices(self) -> list[int]:
        return [f.index for f in self.failures]


def _as_texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    if hasattr(texts, "columns") and hasattr(texts, "iloc"):
        raise TypeError("embed() takes one column of texts, not a DataFrame: embed(df['text']).")
    labels = list(texts.index) if hasattr(texts, "index") and hasattr(texts, "iloc") else None
    items = list(texts.tolist() if hasattr(texts, "tolist") else texts)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            where = f"texts[{i}]" + (f" (index label {labels[i]!r})" if labels is not None else "")
            raise TypeError(
                f"{where} is {_describe(item)}, not a string. Drop or fill missing values first, "
                "e.g. df['text'].dropna() or df['text'].fillna('').astype(str)."
            )
    return items


def _describe(item: object) -> str:
    if item is None or (isinstance(item, float) and math.isnan(item)):
        return "missing (None/NaN)"
    return f"{item!r} ({type(item).__name__})"


def embed(
    texts: Any,
    *,
    client: openai.OpenAI | openai.AzureOpenAI | None = None,
    deployment: str | None = None,
    dimensions: int | None = None,
    batch_size: int = MAX_INPUTS_PER_REQUEST,
    max_batch_tokens: int = DEFAULT_BATCH_TOKENS,
    concurrency: int = 4,
    cache: bool | str | Path | EmbeddingCache = True,
    progress: bool | None = None,
    rate_limit_retries: int = 6,
    max_wait: float = 60.0,
    max_splits: int = 64,
) -> Vectors:
    """Embed texts (a list, a pandas Series or DataFrame column, or one string) into a ``(n, dims)`` float32
    array whose rows have unit length, in input order.

    ``client``/``deployment`` default to ``make_client()`` and the configured embeddings deployment.
    ``cache``: True (``$AOAI_NB_CACHE_DIR`` or ``~/.cache/aoai-nb/embeddings``), a directory, an
    :class:`EmbeddingCache`, or False. ``progress``: a tqdm bar; None shows one when more than one request is
    needed. Raises :class:`EmbeddingBatchError` when some texts fail (the others are kept on it).
    """
    items = _as_texts(texts)
    if batch_size < 1 or batch_size > MAX_INPUTS_PER_REQUEST:
        raise ValueError(
            f"batch_size must be between 1 and {MAX_INPUTS_PER_REQUEST} (Azure's limit), not {batch_size}."
        )
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}.")
    if client is not None and not hasattr(getattr(client, "embeddings", None), "create"):
        raise TypeError(
            "client must be an openai.AzureOpenAI or openai.OpenAI client (see aoai_nb.make_client())."
        )
    if client is not None and _is_async(client):
        raise TypeError("embed() needs a synchronous client (make_client(), not make_async_client()).")
    unique = list(dict.fromkeys(items))
    owned_client = client is None
    if client is None:
        from aoai_nb.client import make_client

        client = make_client()
    if deployment is None:
        from aoai_nb.config import load_settings

        deployment = load_settings().deployments.embeddings
    store, owned_store = open_cache(cache)
    try:
        run = EmbeddingRun(unique, client, deployment, dimensions, store, batch_size, max_batch_tokens)
        run.execute(concurrency, progress, rate_limit_retries, max_wait, max_splits)
    finally:
        if owned_store and store is not None:
            store.close()
        if owned_client:
            client.close()
    return _assemble(run, items, dimensions)


def _is_async(client: Any) -> bool:
    import inspect

    return inspect.iscoroutinefunction(client.embeddings.create)


def _assemble(run: EmbeddingRun, items: list[str], dimensions: int | None) -> Vectors:
    position = {text: i for i, text in enumerate(run.texts)}
    dims = next((v.shape[-1] for v in run.vectors.values()), dimensions or 0)
    out = np.full((len(items), dims), np.nan, dtype=np.float32)
    ok = np.zeros(len(items), dtype=bool)
    failed: list[FailedItem] = []
    for row, text in enumerate(items):
        u = position[text]
        if u in run.vectors:
            out[row], ok[row] = run.vectors[u], True
        else:
            f = run.failures[u]
            failed.append(FailedItem(row, text, f.reason, f.status))
    norms = np.linalg.norm(out[ok], axis=1, keepdims=True)
    out[ok] = out[ok] / np.where(norms > 0, norms, 1.0)
    if failed:
        raise EmbeddingBatchError(failed, out, ok, cached=run.store is not None)
    return out
