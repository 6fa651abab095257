"""What the emulator's local speech and chat-stream paths cost over the bare models, in one interleaved run.

    python benchmarks/local_speed.py [speech|chat|all] [--speech-rounds 12] [--parts] [--rounds 5] [--tokens 200]

speech: Piper's own time (a stock ``PiperVoice.load`` of the same voice, ``synthesize_wav`` into memory, as
Piper's CLI writes a file) against ``client.audio.speech.create(...).read()`` through the openai SDK over HTTP
to an ``Emulator(engine="local")`` in this process, for ``response_format`` wav and mp3; with ``--parts``
also in-process, the engine's ``synthesize`` then ``encode_speech`` as the route calls them; and
``encode_speech`` alone. One round runs each once, in a rotating order; ratios are per round (emulator / Piper
of the same round), medians with quartiles.

chat: the method of ``benchmarks/local_models.py`` (reused from there): direct xllamacpp decode tokens/s against
the emulator (its own process, ``python -m aoai_nb.emulator --engine local``) + SDK streaming the same greedy
request, content-filter heuristic on and off. One round: direct, emulator on, direct, emulator off; each
emulator run is divided by the direct run just before it. Then the CPU of each moderation call the heuristic
makes on that stream (prompt, a window every 64 deltas, the end), run in this process on one thread.

The machine has 2 cores shared with other work: the 1-minute load average is printed at the start and end of
each part. Each part takes about 40-70 s with the defaults on a quiet machine (longer under load).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
import wave
from collections.abc import Callable
from typing import Any

from local_models import PROMPT, EmulatorProcess, direct_run, direct_server, emulator_run

SPEECH_TEXT = " ".join(
    [
        "The quick brown fox jumps over the lazy dog.",
        "Azure OpenAI lets you call large language models from Python.",
        "Please call me back before noon tomorrow, it is about the invoice.",
        "The museum opens at nine in the morning and closes at six.",
    ]
)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def median_quartiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.3f}"
    q1, median, q3 = statistics.quantiles(values, n=4)
    return f"{median:.3f} ({q1:.3f}-{q3:.3f})"


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc, 10 ms ticks)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def speech_part(rounds: int, with_parts: bool) -> None:
    import openai
    from piper import PiperVoice

    from aoai_nb.emulator import Emulator
    from aoai_nb.emulator.audio import encode_speech
    from aoai_nb.emulator.engines.base import SpeechRequest
    from aoai_nb.emulator.engines.local.tts import LocalSpeechEngine
    from aoai_nb.emulator.engines.local.weights import verify_weights

    print(f"speech ({time.strftime('%Y-%m-%d %H:%M')}, {rounds} rounds, {load()})")
    paths = verify_weights("speech")
    stock = PiperVoice.load(
        paths["data/en_US-joe-medium.onnx"], config_path=paths["data/en_US-joe-medium.onnx.json"]
    )
    engine = LocalSpeechEngine()
    request = SpeechRequest(SPEECH_TEXT, "alloy")

    def piper_alone() -> None:
        with wave.open(io.BytesIO(), "wb") as out:
            stock.synthesize_wav(SPEECH_TEXT, out)

    with Emulator(engine="local") as emulator:
        client = openai.AzureOpenAI(
            azure_endpoint=emulator.url, api_key=emulator.api_key, api_version="2025-04-01-preview"
        )

        def via(fmt: Any) -> Callable[[], None]:
            def run() -> None:
                client.audio.speech.create(
                    model="gpt-4o-mini-tts", voice="alloy", input=SPEECH_TEXT, response_format=fmt
                ).read()

            return run

        def parts(fmt: str) -> Callable[[], None]:
            def run() -> None:  # what the route does: the engine, then encode_speech unless it encoded
                asks = (
                    {"response_format": fmt}
                    if "response_format" in SpeechRequest.__dataclass_fields__
                    else {}
                )
                result = engine.synthesize(SpeechRequest(SPEECH_TEXT, "alloy", **asks))
                if getattr(result, "encoded", None) is None:
                    encode_speech(result.samples, result.sample_rate, fmt)

            return run

        jobs: dict[str, Callable[[], None]] = {
            "piper": piper_alone,
            "http wav": via("wav"),
            "http mp3": via("mp3"),
        }
        if with_parts:
            jobs.update({"engine + encode wav": parts("wav"), "engine + encode mp3": parts("mp3")})
        for job in jobs.values():  # warm: model loads, first-call costs
            job()
        times: dict[str, list[float]] = {name: [] for name in jobs}
        names = list(jobs)
        for r in range(rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                times[name].append(timed(jobs[name]))
        client.close()
    result = engine.synthesize(request)
    audio_seconds = len(result.samples) / result.sample_rate
    encode = {
        fmt: statistics.median(
            timed(lambda fmt=fmt: encode_speech(result.samples, result.sample_rate, fmt))
            for _ in range(rounds)
        )
        for fmt in ("wav", "mp3")
    }
    print(f"  text: {len(SPEECH_TEXT)} characters, {audio_seconds:.1f} s of speech")
    for name, values in times.items():
        print(f"  {name:<22} median {1000 * statistics.median(values):7.0f} ms")
    for fmt in ("wav", "mp3"):
        for prefix in ("http", "engine + encode") if with_parts else ("http",):
            ratios = [t / p for t, p in zip(times[f"{prefix} {fmt}"], times["piper"], strict=True)]
            print(f"  {prefix} {fmt} / piper (per round): {median_quartiles(ratios)}")
    for fmt, seconds in encode.items():
        print(f"  encode_speech {fmt} alone: {1000 * seconds:.1f} ms")
    print(f"  ({load()})")


def chat_part(rounds: int, tokens: int) -> None:
    import openai

    print(f"chat stream ({time.strftime('%Y-%m-%d %H:%M')}, {rounds} rounds, {tokens} max tokens, {load()})")
    server = direct_server()
    emulator = EmulatorProcess()
    try:
        client = openai.AzureOpenAI(
            azure_endpoint=emulator.url, api_key=emulator.key, api_version="2024-10-21"
        )
        for heuristic in (True, False):  # warm both settings and the direct server
            emulator.controls(filter_heuristic=heuristic)
            direct_run(server, 16), emulator_run(client, 16)
        ratios: dict[bool, list[float]] = {True: [], False: []}
        rates: dict[str, list[float]] = {"direct": [], "on": [], "off": []}
        cpu: dict[bool, list[float]] = {True: [], False: []}  # the emulator process's CPU s per stream
        for _ in range(rounds):
            for heuristic in (True, False):
                emulator.controls(filter_heuristic=heuristic)
                direct = direct_run(server, tokens)
                before = process_cpu(emulator.process.pid)
                via = emulator_run(client, tokens)
                cpu[heuristic].append(process_cpu(emulator.process.pid) - before)
                ratios[heuristic].append(via[1] / direct[1])
                rates["direct"].append(direct[1])
                rates["on" if heuristic else "off"].append(via[1])
        client.close()
    finally:
        emulator.close()
    filter_cpu(server, tokens)
    for name, values in rates.items():
        print(f"  decode tok/s {name:<6} median {statistics.median(values):6.1f}")
    for heuristic, values in ratios.items():
        label = "on " if heuristic else "off"
        print(f"  emulator+SDK / direct, heuristic {label}: {median_quartiles(values)}")
        print(
            f"  emulator process CPU ms per stream, heuristic {label}: {1000 * statistics.median(cpu[heuristic]):.0f}"
        )
    print(f"  ({load()})")


def filter_cpu(server: Any, tokens: int, repeats: int = 5) -> None:
    """CPU ms of each moderation call the heuristic makes on this stream (in this process, one thread's CPU:
    onnxruntime's own threads are off with intra_op_num_threads 1 here, so thread_time sees all the work)."""
    from aoai_nb.emulator.engines.local.embed import LocalEmbeddingEngine
    from aoai_nb.emulator.engines.local.moderation import LocalModerationEngine
    from aoai_nb.emulator.safety import HEURISTIC_EVERY, final_texts, heuristic_window

    deltas: list[str] = []

    def on_chunk(chunk: dict[str, Any]) -> bool:
        choices = chunk.get("choices") or []
        if choices and (text := (choices[0].get("delta") or {}).get("content")):
            deltas.append(text)
        return False

    body = {"messages": [{"role": "user", "content": PROMPT}], "max_tokens": tokens, "temperature": 0}
    server.handle_chat_completions({**body, "stream": True, "top_p": 1.0}, on_chunk)
    moderation = LocalModerationEngine(LocalEmbeddingEngine(threads=1))
    moderation.score(["warm up"])
    checks = {"prompt": [PROMPT]}
    for sent in range(HEURISTIC_EVERY, len(deltas) + 1, HEURISTIC_EVERY):
        checks[f"window at {sent}"] = [heuristic_window(deltas[:sent])]
    checks["end (whole reply, tail)"] = final_texts(deltas)
    for name, texts in checks.items():
        spent = []
        for _ in range(repeats):
            start = time.thread_time()
            for text in texts:
                moderation.score([text])
            spent.append(time.thread_time() - start)
        print(f"  filter check {name:<24} CPU {1000 * statistics.median(spent):5.1f} ms (1 thread)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", nargs="?", choices=("speech", "chat", "all"), default="all")
    parser.add_argument("--rounds", type=int, default=5, help="chat rounds")
    parser.add_argument("--speech-rounds", type=int, default=12)
    parser.add_argument(
        "--parts", action="store_true", help="also time the engine + encode_speech in-process"
    )
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    if args.part in ("speech", "all"):
        speech_part(args.speech_rounds, args.parts)
    if args.part in ("chat", "all"):
        chat_part(args.rounds, args.tokens)


if __name__ == "__main__":
    main()
