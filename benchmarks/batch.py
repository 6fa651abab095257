"""Measure how fast the emulator runs a batch: lines per second for a batch of N chat lines (scripted engine).

    python benchmarks/batch.py [--lines 2000] [--runs 3]

An emulator (scripted engines, in this process, on a loopback port) gets one JSONL file of N chat lines
(short distinct questions, ``max_tokens`` 16) through the SDK; the timer runs from ``batches.create`` to the
first poll that sees ``completed`` (polling every 20 ms), so it covers validation, every line served
in-process through the chat route's full machinery, and writing the output file. Best of ``--runs`` batches;
each run checks that every ``custom_id`` is in the output file. Run it on a quiet machine: other work on the
two cores changes the figure.
"""

from __future__ import annotations

import argparse
import json
import time

import openai

from aoai_nb.emulator import Emulator


def batch_file(n: int) -> bytes:
    lines = [
        {
            "custom_id": f"row-{i}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": f"Give one fact about the number {i}."}],
                "max_tokens": 16,
            },
        }
        for i in range(n)
    ]
    return "\n".join(json.dumps(line) for line in lines).encode()


def one_run(client: openai.OpenAI, file_id: str, n: int) -> float:
    start = time.perf_counter()
    batch = client.batches.create(
        input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    while batch.status not in ("completed", "failed", "cancelled"):
        time.sleep(0.02)
        batch = client.batches.retrieve(batch.id)
    seconds = time.perf_counter() - start
    if batch.status != "completed" or batch.output_file_id is None:
        raise SystemExit(f"the batch ended {batch.status}: {batch.errors}")
    ids = {
        json.loads(line)["custom_id"] for line in client.files.content(batch.output_file_id).text.splitlines()
    }
    if ids != {f"row-{i}" for i in range(n)}:
        raise SystemExit(f"{n - len(ids)} custom_ids are missing from the output file")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with Emulator(engine="scripted") as emu:
        client = openai.OpenAI(base_url=f"{emu.url}/openai/v1/", api_key=emu.api_key, max_retries=0)
        file_id = client.files.create(file=("bench.jsonl", batch_file(args.lines)), purpose="batch").id
        best = min(one_run(client, file_id, args.lines) for _ in range(args.runs))
    print(f"{args.lines} lines: best of {args.runs} batches {best:.2f} s, {args.lines / best:.0f} lines/s")


if __name__ == "__main__":
    main()
