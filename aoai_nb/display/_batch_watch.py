"""``watch_batch``: poll a batch until it finishes, with its progress shown in place while it runs."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from aoai_nb.display._batch import FINISHED, BatchView
from aoai_nb.display._env import DisplaySink, Environment, Sink, detect_environment

FIRST_POLL_S = 0.5
MAX_POLL_S = 60.0  # Azure's guidance: poll a batch every 60 s or more


def watch_batch(
    client: Any,
    batch: Any,
    *,
    timeout: float | None = None,
    first_poll_s: float = FIRST_POLL_S,
    max_poll_s: float = MAX_POLL_S,
    env: Environment | None = None,
    out: TextIO | None = None,
    sink: Sink | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Retrieve ``batch`` (an id or a Batch) until it is completed, failed, cancelled or expired, and return
    the last Batch. The wait between polls doubles from ``first_poll_s`` up to ``max_poll_s``. In a notebook
    one output shows the batch and its progress bar, updated in place; elsewhere a line is printed whenever
    the status or the counts change. After ``timeout`` seconds it stops watching (the batch keeps running)
    and returns the batch as it is then. ``sink``, ``sleep`` and ``clock`` are for tests."""
    batch_id = batch if isinstance(batch, str) else batch.id
    env = env or detect_environment()
    if sink is None and env == "notebook":
        sink = DisplaySink()
    stream = out or sys.stdout
    started = clock()
    wait = first_poll_s
    last_line = ""
    current = client.batches.retrieve(batch_id)
    if sink is not None:
        sink.start(BatchView.of(current))
    while True:
        shown = BatchView.of(current)
        if sink is not None:
            sink.update(shown)
        elif shown.summary() != last_line:
            last_line = shown.summary()
            print(f"[{time.strftime('%H:%M:%S')}] {batch_id}: {last_line}", file=stream, flush=True)
        if current.status in FINISHED:
            return current
        if timeout is not None and clock() - started + wait > timeout:
            note = f"still {current.status} after {clock() - started:.0f} s; call watch_batch again to keep watching"
            print(f"{batch_id}: {note}", file=stream, flush=True)
            return current
        sleep(wait)
        wait = min(wait * 2, max_poll_s)
        current = client.batches.retrieve(batch_id)
