"""The text-in conveniences end to end on the emulator: rank texts, a SemanticIndex of texts, a heatmap of texts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aoai_nb.embeddings._embed import embed
from aoai_nb.embeddings._index import SemanticIndex
from aoai_nb.embeddings._similarity import rank

from .conftest import DEPLOYMENT, ClientFactory

DOCS = [
    "The cat sat on the mat and purred.",
    "Stock markets fell sharply on Monday.",
    "A kitten purred on the warm mat.",
    "The central bank raised interest rates.",
]


def test_rank_texts_against_texts(make_client: ClientFactory) -> None:
    client, recorder = make_client()
    table = rank("cat purred on the mat", DOCS, k=2, client=client, deployment=DEPLOYMENT)
    assert [h.index for h in table] == [0, 2]
    assert table[0].text == DOCS[0] and table[0].score > table[1].score > 0
    vectors = embed(DOCS, client=client, deployment=DEPLOYMENT)  # served from the cache rank() filled
    again = rank("cat purred on the mat", vectors, k=2, texts=DOCS, client=client, deployment=DEPLOYMENT)
    assert [h.index for h in again] == [0, 2]
    np.testing.assert_allclose(again.scores, table.scores, atol=1e-6)
    assert (
        len(recorder.exchanges) == 2
    )  # the corpus once, the query once: everything else came from the cache
    multi = rank(["interest rates", "kitten"], DOCS, k=1, client=client, deployment=DEPLOYMENT)
    assert [(h.query, h.index) for h in multi] == [(0, 3), (1, 2)]
    assert multi.to_pandas()["query"].tolist() == ["interest rates", "kitten"]


def test_semantic_index_of_texts_round_trip(make_client: ClientFactory, tmp_path: Path) -> None:
    client, recorder = make_client()
    index = SemanticIndex(client=client, deployment=DEPLOYMENT)
    index.add(DOCS, [{"topic": t} for t in ("pets", "finance", "pets", "finance")])
    assert repr(index) == "<SemanticIndex 4 texts x 1536 dims, deployment 'text-embedding-3-small'>"
    hits = index.search("bank interest rates", k=1)
    assert [(h.text, h.metadata) for h in hits] == [(DOCS[3], {"topic": "finance"})]
    pets = index.search("markets", k=4, where=lambda m: m["topic"] == "pets")
    assert sorted(h.index for h in pets) == [0, 2]
    index.save(tmp_path / "news")
    loaded = SemanticIndex.load(tmp_path / "news", client=client)
    assert [h.index for h in loaded.search("bank interest rates", k=1)] == [3]
    assert len(recorder.exchanges) == 3  # the documents, then two distinct queries; the repeat was cached


def test_heatmap_of_texts(make_client: ClientFactory) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aoai_nb.embeddings._plots import similarity_heatmap

    client, _ = make_client()
    try:
        ax = similarity_heatmap(DOCS, client=client, deployment=DEPLOYMENT)
        matrix = np.asarray(ax.images[0].get_array())
        assert matrix.shape == (4, 4)
        np.testing.assert_allclose(np.diag(matrix), 1.0, atol=1e-5)
        assert matrix[0, 2] > matrix[0, 1]  # the two cat sentences share more than cat and markets
        assert ax.get_yticklabels()[0].get_text() == "The cat sat on the mat and…"
    finally:
        plt.close("all")


def test_importing_the_modules_stays_light() -> None:
    code = (
        "import sys, aoai_nb.embeddings._embed, aoai_nb.embeddings._similarity, aoai_nb.embeddings._index, aoai_nb.embeddings._plots, "
        "aoai_nb.embeddings._cache, aoai_nb.embeddings._rank_table\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'sklearn', 'scipy', 'IPython', 'openai', 'tqdm') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize(
    "name",
    [
        "embed",
        "EmbeddingBatchError",
        "cosine_similarity",
        "similarity_matrix",
        "rank",
        "SemanticIndex",
        "similarity_heatmap",
        "plot_projection",
    ],
)
def test_public_names_are_exported(name: str) -> None:
    import aoai_nb

    assert name in aoai_nb.__all__
    assert getattr(aoai_nb, name).__name__ == name
