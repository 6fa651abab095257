"""With the real local model (all-MiniLM-L6-v2, 384 dimensions) behind the emulator: any dimension works, and
paraphrases outrank unrelated texts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from aoai_nb.embeddings._embed import embed
from aoai_nb.embeddings._index import SemanticIndex
from aoai_nb.embeddings._similarity import rank
from aoai_nb.emulator.engines.local import local_available

pytestmark = [
    pytest.mark.local_models,
    pytest.mark.skipif(
        not local_available(), reason="the [local] extra is not installed (run `make install`)"
    ),
]

DOCS = [
    "How do I reset my password?",
    "The weather will be sunny and warm tomorrow.",
    "Steps to change the login password of your account",
    "Our quarterly revenue grew by ten percent.",
]


@pytest.fixture(scope="module")
def local_client() -> Iterator[openai.AzureOpenAI]:
    from aoai_nb.emulator import Emulator

    with Emulator(engine="local") as emu:
        client = openai.AzureOpenAI(azure_endpoint=emu.url, api_key=emu.api_key, api_version="2024-10-21")
        with client:
            yield client


def test_local_model_vectors_have_384_dimensions(local_client: Any, tmp_path: Path) -> None:
    vectors = embed(DOCS, client=local_client, deployment="text-embedding-3-small", cache=tmp_path)
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    table = rank(
        "I forgot my password",
        vectors,
        k=2,
        texts=DOCS,
        client=local_client,
        deployment="text-embedding-3-small",
        cache=tmp_path,
    )
    assert {h.index for h in table} == {0, 2}


def test_local_model_in_a_semantic_index(local_client: Any, tmp_path: Path) -> None:
    index = SemanticIndex(client=local_client, deployment="text-embedding-3-small", cache=tmp_path).add(DOCS)
    assert index.dims == 384
    assert index.search("company earnings", k=1)[0].index == 3
