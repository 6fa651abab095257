"""Token-id input (int[] and int[][]) is decoded with the model's real vocabulary: the same vector as its text.

The ids come from the real ``tiktoken`` (as LangChain computes them). tiktoken downloads its rank files at run
time; here its cache is seeded from the wheel the emulator uses, and tiktoken checks that file against the
sha256 it expects, so the test also shows that the shipped vocabulary is OpenAI's.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from aoai_nb.emulator.engines.local.weights import verify_weights
from aoai_nb.emulator.vocabulary import encoding_for_model, vocabulary

tiktoken = pytest.importorskip("tiktoken")

TEXTS = ["The parrot repeats what it hears.", "naïve café, 日本語, 🦜 and <|endoftext|> as plain text"]
BLOB_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


@pytest.fixture(scope="module")
def tiktoken_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """tiktoken's cache holding the two rank files (tiktoken keys them by the sha1 of their URL)."""
    cache = tmp_path_factory.mktemp("tiktoken-cache")
    for name in ("cl100k_base", "o200k_base"):
        gz = verify_weights(f"vocabulary:{name}")[f"data/{name}.tiktoken.gz"]
        key = hashlib.sha1(BLOB_URL.format(name=name).encode()).hexdigest()
        (cache / key).write_bytes(gzip.decompress(gz.read_bytes()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
        yield


def _vectors(client: openai.AzureOpenAI, given: Any) -> tuple[np.ndarray, int]:
    reply = client.embeddings.create(model="text-embedding-3-small", input=given, encoding_format="float")
    return np.array([d.embedding for d in reply.data]), reply.usage.prompt_tokens


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_vocabulary_decodes_what_tiktoken_encodes(tiktoken_offline: None, name: str) -> None:
    encoding = tiktoken.get_encoding(name)
    vocab = vocabulary(name)
    for text in TEXTS:
        ids = encoding.encode(text, disallowed_special=())
        assert vocab.decode(ids) == text == encoding.decode(ids)
    special = encoding.encode("<|endoftext|>", allowed_special="all")
    assert vocab.decode(special) == "<|endoftext|>"


def test_model_names_map_to_their_encoding() -> None:
    assert encoding_for_model("text-embedding-3-small") == "cl100k_base"
    assert encoding_for_model("text-embedding-ada-002") == "cl100k_base"
    assert encoding_for_model("gpt-35-turbo-instruct-0914") == "cl100k_base"
    assert encoding_for_model("gpt-4o-mini-2024-07-18") == "o200k_base"


def test_token_ids_embed_like_their_text(tiktoken_offline: None, client: openai.AzureOpenAI) -> None:
    ids = [tiktoken.get_encoding("cl100k_base").encode(text, disallowed_special=()) for text in TEXTS]
    from_text, _ = _vectors(client, TEXTS)
    one, one_tokens = _vectors(client, ids[0])  # int[]
    batch, batch_tokens = _vectors(client, ids)  # int[][]
    np.testing.assert_array_equal(one[0], from_text[0])
    np.testing.assert_array_equal(batch, from_text)
    assert one_tokens == len(ids[0]) and batch_tokens == sum(map(len, ids))  # Azure counts the ids sent
    digits, _ = _vectors(client, " ".join(map(str, ids[0])))
    assert float(digits[0] @ one[0]) < 0.5  # not the text of the digits, as before


def test_unknown_token_id_is_a_400_naming_it(client: openai.AzureOpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="text-embedding-3-small", input=[[15339, 1917], [5, 999_999_999]])
    assert info.value.status_code == 400
    body = info.value.body
    assert isinstance(body, dict) and body["param"] == "input"
    assert (
        "input[1]" in body["message"] and "999999999" in body["message"] and "cl100k_base" in body["message"]
    )


def test_completion_token_prompt_is_decoded(client: openai.AzureOpenAI) -> None:
    reply = client.completions.create(
        model="gpt-35-turbo-instruct", prompt=[15339, 1917], max_tokens=16, echo=True, temperature=0
    )
    assert reply.choices[0].text.startswith("hello world")  # 15339, 1917 is cl100k_base for "hello world"


def test_langchain_azure_embeddings_match_the_sdk(
    tiktoken_offline: None, emulator: Any, client: openai.AzureOpenAI
) -> None:
    langchain_openai = pytest.importorskip("langchain_openai")
    embedder = langchain_openai.AzureOpenAIEmbeddings(
        azure_endpoint=emulator.url,
        api_key=emulator.api_key,
        api_version="2024-10-21",
        azure_deployment="text-embedding-3-small",
        model="text-embedding-3-small",
        max_retries=0,
    )
    from_text, _ = _vectors(client, TEXTS)
    np.testing.assert_allclose(embedder.embed_documents(TEXTS), from_text, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(embedder.embed_query(TEXTS[0]), from_text[0], rtol=1e-6, atol=1e-7)


def test_vocabulary_file_is_checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from aoai_nb.emulator import vocabulary as module
    from aoai_nb.emulator.engines.base import EngineUnavailable
    from aoai_nb.emulator.engines.local import weights

    changed = tmp_path / "data" / "cl100k_base.tiktoken.gz"
    changed.parent.mkdir()
    changed.write_bytes(gzip.compress(b"aGk= 0\n"))
    monkeypatch.setattr(weights, "module_dir", lambda module: tmp_path)
    monkeypatch.setattr(module, "_cache", {})
    weights.forget_verified()
    try:
        with pytest.raises(EngineUnavailable, match="sha256"):
            module.vocabulary("cl100k_base")
    finally:
        weights.forget_verified()
