"""Embeddings from all-MiniLM-L6-v2 (int8 ONNX, 384 dimensions) on onnxruntime.

Sentence-transformers' recipe: WordPiece tokens (at most 256 per text, the model's sequence limit; longer texts
are truncated), mean pooling over the attention mask, L2 normalisation. Texts are sorted by length and run in
batches of 32 so padding stays small. ``dimensions`` below 384 keeps the first components and renormalises
(MiniLM is not trained for such truncation as text-embedding-3 is: expect a faster fall in quality).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.engines.base import EmbeddingResult, EngineInputError, EngineUnavailable
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, verify_weights

EMBEDDING_MODEL_NAME = "local:all-minilm-l6-v2-int8"
MAX_TOKENS_PER_TEXT = 256
BATCH_SIZE = 32
THREADS = 2


class LocalEmbeddingEngine:
    instant = False  # real model work: the HTTP layer runs it in a worker thread
    name = EMBEDDING_MODEL_NAME
    native_dimensions = 384

    def __init__(self, threads: int = THREADS) -> None:
        self.threads = threads  # onnxruntime's intra-op threads (1: all work in the calling thread)
        self._loaded: tuple[Any, Any] | None = None  # (tokenizer, onnx session)
        self._load_lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(2)

    def _load(self) -> tuple[Any, Any]:
        with self._load_lock:
            if self._loaded is None:
                paths = verify_weights("embeddings")
                try:
                    import onnxruntime
                    from tokenizers import Tokenizer
                except ImportError as exc:
                    raise EngineUnavailable(
                        f"onnxruntime/tokenizers are missing. Install: {INSTALL_COMMAND}."
                    ) from exc
                tokenizer = Tokenizer.from_file(
                    str(paths["embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"])
                )
                tokenizer.enable_truncation(MAX_TOKENS_PER_TEXT)
                tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest text of each batch
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                # no busy-waiting between runs: it would steal the cores llama.cpp is generating on
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                session = onnxruntime.InferenceSession(
                    str(paths["model.onnx"]), sess_options=options, providers=["CPUExecutionProvider"]
                )
                self._loaded = (tokenizer, session)
            return self._loaded

    def embed(self, texts: list[str], dimensions: int | None = None) -> EmbeddingResult:
        if dimensions is not None and not 1 <= dimensions <= self.native_dimensions:
            raise EngineInputError(
                f"dimensions must be between 1 and {self.native_dimensions} for the local embedding model "
                f"all-MiniLM-L6-v2 (it has {self.native_dimensions}); got {dimensions}.",
                "dimensions",
            )
        tokenizer, session = self._load()
        vectors = np.zeros((len(texts), self.native_dimensions), dtype=np.float32)
        prompt_tokens = 0
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._slots:
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                encodings = tokenizer.encode_batch([texts[i] for i in batch])
                ids = np.array([e.ids for e in encodings], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
                prompt_tokens += int(mask.sum()) - 2 * len(batch)  # [CLS] and [SEP] are not the text's tokens
                (hidden,) = session.run(
                    ["last_hidden_state"],
                    {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
                )
                vectors[batch] = _mean_pool(hidden, mask)
        if dimensions is not None:
            vectors = np.ascontiguousarray(vectors[:, :dimensions])
        return EmbeddingResult(vectors=_normalise(vectors), prompt_tokens=max(prompt_tokens, 0))


def _mean_pool(hidden: npt.NDArray[np.float32], mask: npt.NDArray[np.int64]) -> npt.NDArray[np.float32]:
    weights = mask[:, :, None].astype(np.float32)
    summed: npt.NDArray[np.float32] = (hidden * weights).sum(axis=1)
    counts: npt.NDArray[np.float32] = np.clip(weights.sum(axis=1), 1e-9, None)
    return np.asarray(summed / counts, dtype=np.float32)


def _normalise(vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms: npt.NDArray[np.float32] = np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    return np.asarray(vectors / norms, dtype=np.float32)
