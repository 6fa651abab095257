"""Chat and legacy completions from SmolLM2-135M-Instruct (Q4_1 GGUF) through xllamacpp's in-process llama.cpp.

One ``SmolLM2Runtime`` holds the model (loaded on first use, then kept) and serves both engines. llama.cpp
streams through a callback on its own thread; a queue bridges it to the iterator the HTTP layer consumes, so
each token is yielded as soon as it exists. Closing the iterator early stops the generation. Usage comes from
llama.cpp's own count with the model's tokenizer.
"""

from __future__ import annotations

import http.client
import json
import queue
import secrets
import threading
from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

from aoai_nb.emulator.engines.base import (
    ChatRequest,
    CompletionRequest,
    EngineInputError,
    EngineUnavailable,
    Generation,
    SamplingParams,
)
from aoai_nb.emulator.engines.local.llm_prompt import (
    image_note,
    render_messages,
    tool_call_grammar,
    tool_mode,
    tools_system_text,
)
from aoai_nb.emulator.engines.local.llm_stream import CancellableGeneration, generate
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, verify_weights

CHAT_MODEL_NAME = "local:smollm2-135m-instruct-q4_1"
DEFAULT_MAX_TOKENS = 512  # when the request gives none; Azure's models also stop at a default limit
CONTEXT_PER_SLOT = 2048  # tokens per request (prompt + reply); keeps the KV cache small
SLOTS = 2  # concurrent generations llama.cpp batches together
THREADS = 2
_END = object()


class SmolLM2Runtime:
    """The loaded model; thread-safe (llama.cpp queues and batches requests across its slots)."""

    def __init__(self) -> None:
        self._server: Any = None
        self._lock = threading.Lock()
        # llama.cpp also listens on a loopback port (used here only to tokenize): a key keeps others out
        self._key = secrets.token_urlsafe(24)

    def server(self) -> Any:
        with self._lock:
            if self._server is None:
                self._server = self._load()
            return self._server

    def _load(self) -> Any:
        path = verify_weights("chat")["SmolLM2-135M-Instruct.Q4_1.gguf"]
        try:
            import xllamacpp
        except ImportError as exc:
            raise EngineUnavailable(
                f"xllamacpp is not installed. Install it with {INSTALL_COMMAND}."
            ) from exc
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = CONTEXT_PER_SLOT * SLOTS
        params.n_parallel = SLOTS
        params.cpuparams.n_threads = THREADS
        params.cpuparams_batch.n_threads = THREADS
        params.verbosity = -1  # silence llama.cpp's stderr log
        params.ui = False
        params.api_keys = [self._key]
        try:
            return xllamacpp.Server(params)
        except RuntimeError as exc:
            raise EngineUnavailable(
                f"llama.cpp could not load {path}: {exc}. Reinstall: {INSTALL_COMMAND}."
            ) from exc

    def stream(
        self,
        kind: Literal["chat", "completions"],
        body: dict[str, Any],
        param: str,
        cancelled: threading.Event,
    ) -> Iterator[dict[str, Any]]:
        """Yield llama.cpp's OpenAI-shaped chunks as they are produced; raise EngineInputError for a 400.

        Setting ``cancelled`` (from any thread) stops the generation at its next token.
        """
        server = self.server()
        handler = server.handle_chat_completions if kind == "chat" else server.handle_completions
        chunks: queue.SimpleQueue[Any] = queue.SimpleQueue()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            chunks.put(chunk)
            return cancelled.is_set()  # True tells llama.cpp to stop

        def produce() -> None:
            try:
                handler(body, on_chunk)
            except Exception as exc:  # surfaced in the consumer's thread
                chunks.put(exc)
            finally:
                chunks.put(_END)

        threading.Thread(target=produce, name="smollm2-generate", daemon=True).start()
        try:
            while (item := chunks.get()) is not _END:
                if isinstance(item, ValueError):
                    raise EngineInputError(f"The local model rejected the request: {item}", param) from item
                if isinstance(item, Exception):
                    raise RuntimeError(f"llama.cpp failed: {item}") from item
                if "error" in item:
                    _raise_error(item["error"], param)
                yield item
        finally:
            cancelled.set()

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` by the model's own tokenizer (llama.cpp's /tokenize on its loopback listener)."""
        address = urlsplit(self.server().listening_address)
        conn = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
        try:
            body = json.dumps({"content": text, "add_special": False})
            conn.request("POST", "/tokenize", body, {"Authorization": f"Bearer {self._key}"})
            return len(json.loads(conn.getresponse().read())["tokens"])
        finally:
            conn.close()


def _raise_error(error: Any, param: str) -> None:
    message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    code = error.get("code", 500) if isinstance(error, dict) else 500
    if code == 400:
        raise EngineInputError(f"The local model cannot take this request: {message}", param)
    raise RuntimeError(f"llama.cpp failed: {message}")


def _sampling_body(sampling: SamplingParams, choice_index: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "stream": True,
        "stream_options": {"include_usage": True},
        "max_tokens": sampling.max_tokens if sampling.max_tokens is not None else DEFAULT_MAX_TOKENS,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
    }
    if sampling.stop:
        body["stop"] = list(sampling.stop)
    if sampling.seed is not None:
        body["seed"] = (sampling.seed + choice_index) % 2**32
    return body


class _SmolLM2Engine:
    """Chat and legacy completions share one loaded model (and its two slots)."""

    instant = False  # real model work: the HTTP layer runs it in a worker thread
    name = CHAT_MODEL_NAME
    slots = SLOTS  # generations at once; more wait in a bounded queue (admission.py), then get 429s

    def __init__(self, runtime: SmolLM2Runtime) -> None:
        self.runtime = runtime


class LocalChatEngine(_SmolLM2Engine):
    def chat(self, request: ChatRequest, choice_index: int = 0) -> Generation:
        self.runtime.server()  # load (or fail with EngineUnavailable) here rather than mid-stream
        mode, functions = tool_mode(request)
        tools_text = tools_system_text(functions, mode) if functions else ""
        body = _sampling_body(request.sampling, choice_index)
        body["messages"] = render_messages(request, tools_text)
        if request.sampling.logprobs:
            body["logprobs"] = True
            body["top_logprobs"] = request.sampling.top_logprobs
        param = "messages"
        if functions:
            body["grammar"] = tool_call_grammar(functions, mode)
            param = "tools"
        elif request.response_format and request.response_format.get("type") != "text":
            body["response_format"] = request.response_format  # llama.cpp compiles it to a grammar
            param = "response_format"
        note = image_note(request.messages)
        cancelled = threading.Event()
        chunks = self.runtime.stream("chat", body, param, cancelled)
        top_n = request.sampling.top_logprobs
        return CancellableGeneration(
            generate(self.runtime.count_tokens, chunks, "delta", top_n, note, functions or None), cancelled
        )


class LocalCompletionEngine(_SmolLM2Engine):
    def complete(self, request: CompletionRequest, choice_index: int = 0) -> Generation:
        if request.suffix:
            raise EngineInputError(
                "suffix (fill-in-the-middle) is not supported by the local model SmolLM2-135M-Instruct; "
                "leave it out or use the scripted engine.",
                "suffix",
            )
        self.runtime.server()
        body = _sampling_body(request.sampling, choice_index)
        body["prompt"] = request.prompt
        if request.sampling.logprobs:
            body["logprobs"] = max(1, request.sampling.top_logprobs)
        cancelled = threading.Event()
        chunks = self.runtime.stream("completions", body, "prompt", cancelled)
        return CancellableGeneration(
            generate(self.runtime.count_tokens, chunks, "text", request.sampling.top_logprobs), cancelled
        )
