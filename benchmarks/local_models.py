"""Measure the local engines: chat through the emulator + SDK vs xllamacpp directly, embeddings, STT, TTS, RSS.

    python benchmarks/local_models.py [--runs 10] [--tokens 200]

Run it on a quiet machine (llama.cpp on 2 cores slows several-fold beside other work). It prints one table.
Chat is measured streaming, with the same greedy request both ways: time to first token (TTFT) from sending the
request, and decode speed as (tokens - 1) / (last token time - first token time), tokens counted as content
chunks (each carries one token: the emulator groups chunks into writes, never tokens into chunks).

The emulator runs in its own process (``python -m aoai_nb.emulator``), as ``aoai-nb lab`` serves the notebooks'
kernels; the SDK client and the direct llama.cpp server run in this process. Each emulator run follows a direct
run; ratios and overheads are medians over these pairs (machine noise is large here), with the quartiles of
the ratio. Rows: the default settings (content-filter heuristic on: the prompt, every 64 streamed tokens a window
of the last 80, and the whole reply at the end are scored by the moderation engine; stream writes grouped
within 50 ms), the heuristic off, writes not grouped (``stream_flush_ms`` 0), and the emulator embedded in this
process (what ``make_client()`` starts when no emulator URL is set). The direct baseline uses the emulator's
llama.cpp settings (2 threads, 2 slots, the same context size).
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any

PROMPT = "Write a long story about a dragon who learns to bake bread."
SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure OpenAI lets you call large language models from Python.",
    "Please call me back before noon tomorrow, it is about the invoice.",
    "The museum opens at nine in the morning and closes at six.",
]
RSS_PROBE = """
import resource, numpy as np
from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest, SamplingParams, SpeechRequest, TranscriptionRequest
from aoai_nb.emulator.engines.local import local_engine_set
from aoai_nb.emulator.audio import encode_speech
es = local_engine_set()
list(es.chat.chat(ChatRequest((ChatMessage("user", "Hi"),), SamplingParams(max_tokens=20))))
es.embedding.embed(["hello world"] * 64)
speech = es.speech.synthesize(SpeechRequest("The quick brown fox jumps over the lazy dog. " * 4, "alloy"))
wav = encode_speech(speech.samples, speech.sample_rate, "wav")[0]
es.transcription.transcribe(TranscriptionRequest(wav, "a.wav", word_timestamps=True))
assert es.moderation is not None
es.moderation.score(["hello"])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


Row = tuple[float, float, int]  # TTFT ms, decode tok/s, tokens


def stream_stats(stamps: list[float], start: float) -> tuple[float, float]:
    """(TTFT ms, decode tokens/s) from per-token arrival times."""
    ttft = (stamps[0] - start) * 1000
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    return ttft, rate


def direct_run(server: Any, tokens: int) -> Row:
    stamps: list[float] = []

    def on_chunk(chunk: dict[str, Any]) -> bool:
        choices = chunk.get("choices") or []
        if choices and (choices[0].get("delta") or {}).get("content"):
            stamps.append(time.perf_counter())
        return False

    body = {"messages": [{"role": "user", "content": PROMPT}], "max_tokens": tokens, "temperature": 0}
    body.update(stream=True, top_p=1.0)
    start = time.perf_counter()
    server.handle_chat_completions(body, on_chunk)
    return (*stream_stats(stamps, start), len(stamps))


def emulator_run(client: Any, tokens: int) -> Row:
    stamps: list[float] = []
    start = time.perf_counter()
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": PROMPT}],
        max_tokens=tokens,
        temperature=0,
        stream=True,
    )
    with stream:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                stamps.append(time.perf_counter())
    return (*stream_stats(stamps, start), len(stamps))


def direct_server() -> Any:
    import xllamacpp

    from aoai_nb.emulator.engines.local import llm as local_llm
    from aoai_nb.emulator.engines.local.weights import verify_weights

    params = xllamacpp.CommonParams()
    params.model.path = str(verify_weights("chat")["SmolLM2-135M-Instruct.Q4_1.gguf"])
    params.n_ctx = local_llm.CONTEXT_PER_SLOT * local_llm.SLOTS
    params.n_parallel = local_llm.SLOTS
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = local_llm.THREADS
    params.verbosity = -1
    return xllamacpp.Server(params)


class EmulatorProcess:
    """``python -m aoai_nb.emulator --engine local`` on a free loopback port, stopped on exit."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.key = secrets.token_hex(16)
        command = [sys.executable, "-m", "aoai_nb.emulator", "--engine", "local", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--api-key", self.key], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.process.kill()
                    raise RuntimeError("the emulator process did not start") from None
                time.sleep(0.1)

    def controls(self, **values: Any) -> None:
        request = urllib.request.Request(
            f"{self.url}/aoai-nb/controls",
            data=json.dumps(values).encode(),
            headers={"api-key": self.key, "content-type": "application/json"},
            method="POST",
        )
        urllib.request.urlopen(request, timeout=10).close()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def paired(server: Any, client: Any, runs: int, tokens: int) -> list[tuple[Row, Row]]:
    direct_run(server, 16), emulator_run(client, 16)  # warm both (model load, caches)
    # back to back, so drift in machine load hits both runs of a pair alike
    return [(direct_run(server, tokens), emulator_run(client, tokens)) for _ in range(runs)]


def pair_rows(label: str, pairs: list[tuple[Row, Row]]) -> list[tuple[str, str]]:
    ratios = sorted(e[1] / d[1] for d, e in pairs)
    q1, median, q3 = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else (ratios[0],) * 3
    extra = statistics.median(e[0] - d[0] for d, e in pairs)
    direct = [statistics.median(d[i] for d, _ in pairs) for i in range(3)]
    via = [statistics.median(e[i] for _, e in pairs) for i in range(3)]
    return [
        (f"[{label}] decode tok/s direct / emulator+SDK", f"{direct[1]:.1f} / {via[1]:.1f}"),
        (
            f"[{label}] emulator / direct tok/s, median of pairs (quartiles)",
            f"{100 * median:.0f}% ({100 * q1:.0f}-{100 * q3:.0f}%)",
        ),
        (f"[{label}] TTFT ms direct / emulator+SDK", f"{direct[0]:.1f} / {via[0]:.1f}"),
        (f"[{label}] TTFT overhead ms (median of pairs)", f"{extra:+.1f}"),
    ]


def chat_rows(runs: int, tokens: int) -> list[tuple[str, str]]:
    import openai

    from aoai_nb.emulator import Emulator
    from aoai_nb.emulator.config import EmulatorConfig

    defaults = EmulatorConfig.default()

    rows: list[tuple[str, str]] = []
    server = direct_server()
    emulator = EmulatorProcess()
    try:
        client = openai.AzureOpenAI(
            azure_endpoint=emulator.url, api_key=emulator.key, api_version="2024-10-21"
        )
        settings: tuple[tuple[str, dict[str, Any]], ...] = (
            ("defaults: filter heuristic on, writes grouped", {}),
            ("filter heuristic off", {"filter_heuristic": False}),
            ("heuristic on, writes not grouped", {"stream_flush_ms": 0}),
        )
        for label, controls in settings:
            emulator.controls(
                **{"filter_heuristic": True, "stream_flush_ms": defaults.stream_flush_ms, **controls}
            )
            rows += pair_rows(label, paired(server, client, runs, tokens))
        client.close()
    finally:
        emulator.close()
    with Emulator(engine="local") as embedded:
        client = openai.AzureOpenAI(
            azure_endpoint=embedded.url, api_key=embedded.api_key, api_version="2024-10-21"
        )
        rows += pair_rows("embedded in this process, defaults", paired(server, client, runs, tokens))
        client.close()
    del server
    return rows


def media_rows() -> list[tuple[str, str]]:
    from aoai_nb.emulator.audio import encode_speech
    from aoai_nb.emulator.engines.base import SpeechRequest, TranscriptionRequest
    from aoai_nb.emulator.engines.local import local_engine_set

    es = local_engine_set()
    texts = [f"{s} (variant {i})" for i in range(64) for s in SENTENCES]  # 256 texts
    es.embedding.embed(texts[:8])
    start = time.perf_counter()
    es.embedding.embed(texts)
    embed_rate = len(texts) / (time.perf_counter() - start)
    speech_text = " ".join(SENTENCES * 3)
    es.speech.synthesize(SpeechRequest("Warm up.", "alloy"))
    start = time.perf_counter()
    speech = es.speech.synthesize(SpeechRequest(speech_text, "alloy"))
    tts_seconds = time.perf_counter() - start
    audio_seconds = len(speech.samples) / speech.sample_rate
    wav = encode_speech(speech.samples, speech.sample_rate, "wav")[0]
    es.transcription.transcribe(TranscriptionRequest(wav, "warm.wav"))
    start = time.perf_counter()
    es.transcription.transcribe(TranscriptionRequest(wav, "speech.wav", word_timestamps=True))
    stt_seconds = time.perf_counter() - start
    return [
        ("embeddings texts/s (256 short texts, batches of 32)", f"{embed_rate:.0f}"),
        (f"TTS real-time factor ({audio_seconds:.1f} s of speech)", f"{tts_seconds / audio_seconds:.3f}"),
        (
            f"STT real-time factor ({audio_seconds:.1f} s, word timestamps)",
            f"{stt_seconds / audio_seconds:.3f}",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    probe = subprocess.run([sys.executable, "-c", RSS_PROBE], capture_output=True, text=True, check=True)
    rows = [("peak RSS MB, all local engines loaded and used once", f"{float(probe.stdout.split()[-1]):.0f}")]
    rows += chat_rows(args.runs, args.tokens)
    rows += media_rows()
    rows.append(
        (
            "peak RSS MB, this benchmark process",
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
        )
    )
    width = max(len(name) for name, _ in rows)
    print(
        f"local models benchmark ({time.strftime('%Y-%m-%d %H:%M')}, {args.runs} runs, {args.tokens} max tokens)"
    )
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


if __name__ == "__main__":
    main()
