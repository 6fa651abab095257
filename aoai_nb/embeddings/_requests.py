"""The request side of :func:`aoai_nb.embed`: batches, worker threads, 429 pacing, halving of refused batches.

:class:`EmbeddingRun` embeds a list of unique texts: it checks each text, answers what the cache holds, sends
the rest in batches from a thread pool with the synchronous SDK client, and records a vector or a
:class:`FailedItem` per text. It caches successes as they arrive, so an interrupted run keeps its progress.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb._headers import ENGINE_HEADER, retry_after_seconds
from aoai_nb.embeddings._cache import EmbeddingCache, Namespace

MAX_INPUTS_PER_REQUEST = 2048  # Azure OpenAI's limit of inputs in one embeddings request
MAX_INPUT_TOKENS = 8191  # per input, text-embedding-3-* and ada-002
# estimated tokens per request: the service caps at 300,000; smaller requests stay under typical TPM quotas
DEFAULT_BATCH_TOKENS = 100_000
# a 400 naming one of these is about the request, not an input: halving the batch cannot help
FATAL_PARAMS = frozenset({"dimensions", "model", "encoding_format", "api-version"})
Vectors = npt.NDArray[np.float32]
_sleep = time.sleep  # the pause between rate-limit retries (tests record it)


def estimate_tokens(text: str) -> int:
    """A cheap upper-ish estimate of a text's tokens: UTF-8 bytes / 4, rounded up (at least 1)."""
    return max(1, math.ceil(len(text.encode("utf-8", "surrogatepass")) / 4))


def unencodable(text: str) -> str | None:
    """Why ``text`` cannot be sent as UTF-8 JSON (a lone UTF-16 surrogate, e.g. from a bad decode), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"not valid text: a lone UTF-16 surrogate {text[exc.start]!r} at character {exc.start} cannot be "
            "sent as UTF-8; repair it, e.g. text.encode('utf-8', 'replace').decode('utf-8')"
        )
    return None


@dataclass(frozen=True)
class FailedItem:
    index: int  # position in the texts given to embed()
    text: str
    reason: str
    status: int | None = None  # HTTP status when the service refused it

    @property
    def preview(self) -> str:
        flat = " ".join(self.text.split())
        return flat if len(flat) <= 60 else flat[:59] + "…"


class _Pacer:
    """Shared by the workers: after a 429, nobody sends until the server's retry-after has passed."""

    def __init__(self, sleep: Callable[[float], None]) -> None:
        self._lock = threading.Lock()
        self._resume_at = 0.0
        self._sleep = sleep

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    def wait(self) -> None:
        with self._lock:
            delay = self._resume_at - time.monotonic()
        if delay > 0:
            self._sleep(delay)


def _retry_after(exc: BaseException) -> float | None:
    """The server's wait on an API error (``retry-after-ms`` / ``retry-after``), when it sent one."""
    return retry_after_seconds(getattr(getattr(exc, "response", None), "headers", None))


@dataclass
class RequestJob:
    client: Any
    deployment: str
    dimensions: int | None
    pacer: _Pacer
    rate_limit_retries: int
    max_wait: float

    def __call__(self, texts: list[str]) -> tuple[list[Vectors], str]:
        import openai

        options: dict[str, Any] = {"encoding_format": "base64"}
        if self.dimensions is not None:
            options["dimensions"] = self.dimensions
        for attempt in range(self.rate_limit_retries + 1):
            self.pacer.wait()
            try:
                raw = self.client.embeddings.with_raw_response.create(
                    input=texts, model=self.deployment, **options
                )
                break
            except openai.RateLimitError as exc:
                if attempt == self.rate_limit_retries:
                    raise
                delay = _retry_after(exc)
                if delay is None:
                    delay = min(2.0**attempt, 30.0) * (0.75 + 0.5 * random.random())
                self.pacer.hold(min(delay, self.max_wait))
        response = raw.parse()
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(texts):
            raise ValueError(f"the response held {len(data)} embeddings for {len(texts)} inputs")
        # the emulator names its engine: scripted and real-model vectors must never share cache entries
        engine = raw.headers.get(ENGINE_HEADER)
        return [decode(d.embedding) for d in data], str(response.model) + (f" [{engine}]" if engine else "")


def decode(value: Any) -> Vectors:
    if isinstance(value, str):
        import base64

        return np.frombuffer(base64.b64decode(value), dtype="<f4").astype(np.float32)
    return np.asarray(value, dtype=np.float32)


def host_of(client: Any) -> str:
    url = getattr(client, "base_url", None)
    host, port = getattr(url, "host", None), getattr(url, "port", None)
    return f"{host}:{port}" if host and port else str(host or url or "unknown")


def batches(texts: Sequence[str], ids: Iterable[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Consecutive ids grouped into batches of at most ``batch_size`` texts and ``max_tokens`` estimated tokens."""
    out: list[list[int]] = []
    current: list[int] = []
    tokens = 0
    for i in ids:
        cost = estimate_tokens(texts[i])
        if current and (len(current) >= batch_size or tokens + cost > max_tokens):
            out.append(current)
            current, tokens = [], 0
        current.append(i)
        tokens += cost
    return out + ([current] if current else [])


class EmbeddingRun:
    """One embed() call over unique texts: ``vectors`` and ``failures`` by position, filled by ``execute()``."""

    def __init__(
        self,
        texts: list[str],
        client: Any,
        deployment: str,
        dimensions: int | None,
        store: EmbeddingCache | None,
        batch_size: int,
        max_tokens: int,
    ) -> None:
        self.texts, self.client, self.deployment, self.dimensions = texts, client, deployment, dimensions
        self.store, self.batch_size, self.max_tokens = store, batch_size, max_tokens
        self.vectors: dict[int, Vectors] = {}
        self.failures: dict[int, FailedItem] = {}
        self.host = host_of(client)
        self.model = None if store is None else store.model_for(self.host, deployment, dimensions)
        self.from_cache: set[int] = set()

    def _fail(self, ids: Iterable[int], reason: str, status: int | None = None) -> None:
        for i in ids:
            self.failures[i] = FailedItem(i, self.texts[i], reason, status)

    def _namespace(self) -> Namespace:
        return Namespace(self.host, self.deployment, self.model or "", self.dimensions)

    def execute(
        self,
        concurrency: int,
        progress: bool | None,
        rate_limit_retries: int,
        max_wait: float,
        max_splits: int,
    ) -> None:
        todo = []
        for i, text in enumerate(self.texts):
            if not text:
                self._fail([i], "empty text (the service rejects empty input)")
            elif (problem := unencodable(text)) is not None:
                self._fail([i], problem)
            elif (n := estimate_tokens(text)) > MAX_INPUT_TOKENS:
                self._fail(
                    [i],
                    f"too long: about {n:,} tokens (estimated), the limit is {MAX_INPUT_TOKENS:,}; "
                    "split or truncate it",
                )
            else:
                todo.append(i)
        if self.store is not None and self.model is not None:
            found = self.store.get_many(self._namespace(), [self.texts[i] for i in todo])
            for position, vector in found.items():
                self.vectors[todo[position]] = vector
                self.from_cache.add(todo[position])
            todo = [i for i in todo if i not in self.vectors]
        first_wave = batches(self.texts, todo, self.batch_size, self.max_tokens)
        if not first_wave:
            return
        from tqdm.auto import tqdm

        show = len(first_wave) > 1 if progress is None else progress
        bar = tqdm(
            total=len(todo), unit="text", desc=f"embed {self.deployment}", disable=not show, leave=False
        )
        job = RequestJob(
            self.client, self.deployment, self.dimensions, _Pacer(_sleep), rate_limit_retries, max_wait
        )
        executor = ThreadPoolExecutor(
            max_workers=min(concurrency, len(first_wave)), thread_name_prefix="aoai-nb-embed"
        )
        pending: dict[Future[tuple[list[Vectors], str]], list[int]] = {}
        splits = 0

        def submit(ids: list[int]) -> None:
            pending[executor.submit(job, [self.texts[i] for i in ids])] = ids

        try:
            for ids in first_wave:
                submit(ids)
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    ids = pending.pop(future)
                    try:
                        vectors, model = future.result()
                    except Exception as exc:  # noqa: BLE001 - classified below
                        retry = self._on_error(exc, ids, can_split=splits < max_splits)
                        for part in retry:
                            splits += 1
                            submit(part)
                        if not retry:
                            bar.update(len(ids))
                        continue
                    redo = self._on_success(ids, vectors, model)
                    for part in batches(self.texts, redo, self.batch_size, self.max_tokens):
                        submit(part)
                    bar.total = (bar.total or 0) + len(redo)
                    bar.update(len(ids))
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
            bar.close()

    def _on_success(self, ids: list[int], vectors: list[Vectors], model: str) -> list[int]:
        """Keep and cache the vectors; returns cache hits to re-embed when the deployment changed models."""
        redo: list[int] = []
        if model != self.model:
            redo = sorted(self.from_cache) if self.model is not None else []
            for i in redo:
                del self.vectors[i]
            self.from_cache.clear()
            self.model = model
            if self.store is not None:
                self.store.set_model(self.host, self.deployment, self.dimensions, model)
        for i, v in zip(ids, vectors, strict=True):
            self.vectors[i] = v
        if self.store is not None:
            self.store.put_many(
                self._namespace(), [(self.texts[i], v) for i, v in zip(ids, vectors, strict=True)]
            )
        return redo

    def _on_error(self, exc: Exception, ids: list[int], can_split: bool) -> list[list[int]]:
        """Record the failure, or return halves of the batch to retry; raises for errors no retry can fix."""
        import openai

        status = getattr(exc, "status_code", None)
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError | openai.NotFoundError):
            raise exc
        if isinstance(exc, openai.BadRequestError):
            if exc.param in FATAL_PARAMS or exc.code in ("OperationNotSupported", "DeploymentNotFound"):
                raise exc
        # a 400, or an error raised before anything was sent (encoding the request): one text may be the cause
        before_sending = not isinstance(exc, openai.APIError)
        if (before_sending or isinstance(exc, openai.BadRequestError)) and len(ids) > 1 and can_split:
            half = len(ids) // 2
            return [ids[:half], ids[half:]]
        reason = f"{type(exc).__name__}: {_message(exc)}"
        if len(ids) > 1:
            reason = f"its batch of {len(ids)} failed ({reason})"
        self._fail(ids, reason, status)
        return []


def _message(exc: BaseException) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return str(exc) or type(exc).__name__
