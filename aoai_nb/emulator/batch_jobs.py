"""Batch jobs: each runs in an asyncio task, its lines served in-process by the emulator's own routes.

Status sequence as the service: ``validating`` -> ``in_progress`` -> ``finalizing`` -> ``completed``;
``failed`` (with ``errors.data``) when the file does not validate; ``cancelling`` -> ``cancelled`` on cancel,
keeping the results of the lines already served. At most ``LINE_SLOTS`` lines of all batches are served at
once; the event loop stays free between them. Each served line goes to the output file (2xx) or the error
file (any other status, and malformed lines), in Azure's line format
``{"custom_id", "response": {"body", "request_id", "status_code"}, "error"}``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from aoai_nb.emulator.batch_input import BatchLine, batch_error, parse_input
from aoai_nb.emulator.file_store import OUTPUT_PURPOSE, not_found
from aoai_nb.emulator.inprocess import Handler, serve
from aoai_nb.emulator.wire import dumps, invalid_request, new_request_id, simple_error

if TYPE_CHECKING:
    from aoai_nb.emulator.runtime import Runtime

log = logging.getLogger("aoai_nb.emulator")
LINE_SLOTS = 8  # lines served at once, over all batches
MAX_BATCHES = 1000  # batches kept; the oldest finished ones are forgotten first
COMPLETION_WINDOW = "24h"
WINDOW_SECONDS = 24 * 3600
THROTTLE_RETRIES = 5  # a line answered 429 waits retry-after-ms and runs again, up to this many times
MAX_THROTTLE_WAIT_S = 60.0
TEACHING_PREFIX = "x-aoai-nb-"  # teaching headers on the create request apply to every line
FINISHED = frozenset({"completed", "failed", "cancelled", "expired"})
TIMESTAMPS = (
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
)


@dataclass
class BatchJob:
    id: str
    endpoint: str
    input_file_id: str
    completion_window: str
    metadata: dict[str, str] | None
    api_version: str | None  # None: created on /openai/v1 (lines run on the v1 route)
    headers: dict[str, str]
    output_expires_after: int | None = None  # seconds, for the output and error files
    created_at: int = field(default_factory=lambda: int(time.time()))
    status: str = "validating"
    stamps: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(TIMESTAMPS))
    errors: list[dict[str, Any]] | None = None
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    model: str | None = None
    output_lines: list[bytes] = field(default_factory=list)
    error_lines: list[bytes] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def move(self, status: str) -> None:
        self.status = status
        self.stamps[f"{status}_at"] = int(time.time())

    def as_object(self) -> dict[str, Any]:
        """The batch object of Azure's Batch API (unix times, lowercase status)."""
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "model": self.model,
            "errors": None if self.errors is None else {"object": "list", "data": self.errors},
            "input_file_id": self.input_file_id,
            "completion_window": self.completion_window,
            "status": self.status,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "created_at": self.created_at,
            "expires_at": self.created_at + WINDOW_SECONDS,
            **self.stamps,
            "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
            "metadata": self.metadata,
        }


def _line_record(
    custom_id: str | None, response: dict[str, Any] | None, error: dict[str, Any] | None
) -> bytes:
    return dumps({"custom_id": custom_id, "response": response, "error": error}) + b"\n"


class BatchRunner:
    """The batches of one emulator, by id (creation order), and the tasks that run them; ``routes`` are the
    API handlers by route (``app.API_ROUTES``), which serve the lines."""

    def __init__(self, rt: Runtime, routes: Mapping[str, Handler]) -> None:
        self.rt = rt
        self.routes = dict(routes)
        self._jobs: dict[str, BatchJob] = {}
        self._slots: asyncio.Semaphore | None = None  # made on the event loop, on first use

    def all(self) -> list[BatchJob]:
        return list(self._jobs.values())

    def get(self, batch_id: str) -> BatchJob:
        job = self._jobs.get(batch_id)
        if job is None:
            raise not_found("Batch", batch_id, "client.batches.list() shows them.")
        return job

    def _make_room(self) -> None:
        while len(self._jobs) >= MAX_BATCHES:
            oldest = next((j for j in self._jobs.values() if j.status in FINISHED), None)
            if oldest is None:
                raise simple_error(
                    429,
                    "TooManyRequests",
                    f"{len(self._jobs)} batches are still running, the emulator's limit; wait for some to finish.",
                )
            del self._jobs[oldest.id]

    def create(self, data: bytes, job_args: dict[str, Any]) -> BatchJob:
        """Start a batch over input ``data`` (``job_args``: BatchJob's fields without id); it answers in
        ``validating``."""
        self._make_room()
        job = BatchJob(id=f"batch_{uuid.uuid4()}", **job_args)
        self._jobs[job.id] = job
        job.task = asyncio.get_running_loop().create_task(self._run(job, data), name=job.id)
        return job

    def cancel(self, batch_id: str) -> BatchJob:
        job = self.get(batch_id)
        if job.status in FINISHED:
            raise invalid_request(
                f"Cannot cancel a batch with status '{job.status}'; only a validating or in_progress batch can "
                "be cancelled.",
                param="batch_id",
                code="invalid_request",
                status=409,
            )
        if job.status != "cancelling":
            job.move("cancelling")
        return job

    # --- running -----------------------------------------------------------------------------------------

    async def _run(self, job: BatchJob, data: bytes) -> None:
        try:
            await asyncio.sleep(0)  # the create call answers first
            await self._validate_and_serve(job, data)
        except asyncio.CancelledError:  # the emulator is stopping
            raise
        except Exception:  # a bug: the batch fails with a message instead of hanging
            log.exception("batch %s failed unexpectedly", job.id)
            job.errors = [batch_error("internal_error", "The emulator failed while running this batch.")]
            job.move("failed")

    async def _validate_and_serve(self, job: BatchJob, data: bytes) -> None:
        rt = self.rt
        if job.completion_window != COMPLETION_WINDOW:
            job.errors = [
                batch_error(
                    "invalid_request",
                    f"completion_window must be '{COMPLETION_WINDOW}', not {job.completion_window!r}.",
                    param="completion_window",
                )
            ]
            job.move("failed")
            return
        # parsing 100,000 lines takes a while: in a worker thread, so the event loop keeps serving
        parsed = await anyio.to_thread.run_sync(
            parse_input, data, rt.config.max_batch_lines, self._deployment_exists, set(self.routes)
        )
        job.model = parsed.model
        if parsed.errors:
            job.errors = parsed.errors
            job.move("failed")
            return
        if job.status == "cancelling":
            self._finish(job)
            return
        job.total = len(parsed.lines)
        job.move("in_progress")
        pending: deque[BatchLine] = deque()
        for line in parsed.lines:
            if line.problem is not None:
                code, message = line.problem
                job.error_lines.append(_line_record(line.custom_id, None, {"code": code, "message": message}))
                job.failed += 1
            else:
                pending.append(line)
        workers = [self._worker(job, pending) for _ in range(min(LINE_SLOTS, len(pending)))]
        await asyncio.gather(*workers)
        if job.status != "cancelling":
            job.move("finalizing")
            await asyncio.sleep(0)
        self._finish(job)

    def _deployment_exists(self, name: str) -> bool:
        return any(d.name == name for d in self.rt.registry.all())

    async def _worker(self, job: BatchJob, pending: deque[BatchLine]) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(LINE_SLOTS)
        while pending and job.status != "cancelling":
            line = pending.popleft()
            async with self._slots:
                if job.status == "cancelling":
                    return
                await self._serve_line(job, line)
            await asyncio.sleep(0)  # let other requests in between lines

    async def _serve_line(self, job: BatchJob, line: BatchLine) -> None:
        assert line.body is not None and line.route is not None
        unbatchable = next((key for key in ("stream", "background") if line.body.get(key) is True), None)
        if unbatchable is not None:
            status, body, request_id = 400, _not_in_batch(unbatchable), new_request_id()
        else:
            # Responses lines run on the v1 route: the classic dated versions before the previews lack it
            api_version = None if line.route == "responses" else job.api_version
            for attempt in range(THROTTLE_RETRIES + 1):
                status, body, headers, request_id = await serve(
                    self.rt, line.route, self.routes[line.route], line.body, api_version, job.headers
                )
                if status != 429 or attempt == THROTTLE_RETRIES or job.status == "cancelling":
                    break
                wait_ms = headers.get("retry-after-ms", "1000")
                await asyncio.sleep(
                    min(float(wait_ms) / 1000 if wait_ms.isdigit() else 1.0, MAX_THROTTLE_WAIT_S)
                )
        record = _line_record(
            line.custom_id, {"body": body, "request_id": request_id, "status_code": status}, None
        )
        if 200 <= status < 300:
            job.output_lines.append(record)
            job.completed += 1
        else:
            job.error_lines.append(record)
            job.failed += 1

    def _finish(self, job: BatchJob) -> None:
        """Write the output and error files (the error file may be empty) and end the batch."""
        files = self.rt.files
        expiry = job.output_expires_after
        output = files.add(f"{job.id}_output.jsonl", OUTPUT_PURPOSE, b"".join(job.output_lines), expiry)
        errors = files.add(f"{job.id}_error.jsonl", OUTPUT_PURPOSE, b"".join(job.error_lines), expiry)
        job.output_file_id, job.error_file_id = output.id, errors.id
        job.output_lines, job.error_lines = [], []
        job.move("cancelled" if job.status == "cancelling" else "completed")


def _not_in_batch(param: str) -> dict[str, Any]:
    """The error body for a line asking for a stream or a background response: a batch line is answered once."""
    return invalid_request(
        f"{param} is not supported in a batch request; remove '{param}' from the line's body.", param=param
    ).body
