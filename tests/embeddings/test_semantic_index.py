"""SemanticIndex with given vectors (no HTTP): add, search, filter, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aoai_nb.embeddings._index import SemanticIndex

TEXTS = ["cats purr", "dogs bark", "cars honk", "kittens purr"]
VECTORS = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.9, 0.1, 0]], dtype=np.float32)
META = [{"kind": "animal"}, {"kind": "animal"}, {"kind": "machine"}, {"kind": "animal", "young": True}]


def make_index() -> SemanticIndex:
    return SemanticIndex(deployment="text-embedding-3-small").add(TEXTS, META, vectors=VECTORS * 3)


def test_add_normalises_and_grows() -> None:
    index = make_index()
    assert len(index) == 4 and index.dims == 3
    np.testing.assert_allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-6)
    assert repr(index) == "<SemanticIndex 4 texts x 3 dims, deployment 'text-embedding-3-small'>"
    rng = np.random.default_rng(0)
    more = rng.standard_normal((100, 3))
    index.add([f"t{i}" for i in range(100)], vectors=more)
    assert len(index) == 104 and index.texts[-1] == "t99" and index.metadata[-1] == {}
    np.testing.assert_allclose(
        index.vectors[4:], more / np.linalg.norm(more, axis=1, keepdims=True), atol=1e-6
    )
    with pytest.raises(ValueError, match="not writable|read-only"):
        index.vectors[0, 0] = 5


def test_search_by_vector_returns_texts_and_metadata() -> None:
    table = make_index().search(np.array([1, 0.05, 0]), k=2)
    assert [(h.text, h.index) for h in table] == [("cats purr", 0), ("kittens purr", 3)]
    assert table[1].metadata == {"kind": "animal", "young": True}
    df = table.to_pandas()
    assert list(df.columns) == ["rank", "text", "score", "index", "kind", "young"]


def test_search_where_filters_by_metadata() -> None:
    index = make_index()
    table = index.search([1, 0, 0], k=3, where=lambda m: m["kind"] == "machine")
    assert [h.index for h in table] == [2]
    assert len(index.search([1, 0, 0], k=3, where=lambda m: False)) == 0


def test_search_several_vectors() -> None:
    table = make_index().search(np.eye(3), k=1)
    assert not table.single
    assert [h.text for h in table] == ["cats purr", "dogs bark", "cars honk"]


def test_add_checks_lengths_and_dimensions() -> None:
    index = make_index()
    with pytest.raises(ValueError, match="2 texts but 1 metadata"):
        index.add(["a", "b"], [{}], vectors=np.ones((2, 3)))
    with pytest.raises(ValueError, match="2 texts but 1 vectors"):
        index.add(["a", "b"], vectors=np.ones((1, 3)))
    with pytest.raises(ValueError, match="4 dimensions, the index 3"):
        index.add(["a"], vectors=np.ones((1, 4)))
    with pytest.raises(ValueError, match="empty"):
        SemanticIndex().search([1, 0, 0])


def test_metadata_from_a_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": ["a", "b"], "year": [2020, 2024]})
    index = SemanticIndex().add(frame["text"], frame[["year"]], vectors=np.eye(2))
    assert index.metadata == [{"year": 2020}, {"year": 2024}]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = make_index()
    index.metadata[0]["score"] = np.float32(0.5)  # numpy scalars are saved as plain numbers
    written = index.save(tmp_path / "idx")
    assert written == tmp_path / "idx.npz"
    assert (tmp_path / "idx.json").is_file()
    loaded = SemanticIndex.load(tmp_path / "idx.npz")
    assert len(loaded) == 4 and loaded.texts == TEXTS and loaded.deployment == "text-embedding-3-small"
    assert loaded.metadata[0] == {"kind": "animal", "score": 0.5}
    np.testing.assert_array_equal(loaded.vectors, index.vectors)
    assert [h.index for h in loaded.search([0, 1, 0], k=1)] == [1]
    loaded.add(["new"], vectors=[[0, 0, 1]])
    assert len(loaded) == 5


def test_save_refuses_unserialisable_metadata_and_load_explains_missing_files(tmp_path: Path) -> None:
    index = SemanticIndex().add(["a"], [{"when": object()}], vectors=[[1, 0]])
    with pytest.raises(TypeError, match="cannot be saved as JSON"):
        index.save(tmp_path / "bad")
    with pytest.raises(FileNotFoundError, match="No saved index"):
        SemanticIndex.load(tmp_path / "missing")
    (tmp_path / "other.json").write_text('{"format": "something else", "texts": []}')
    np.savez(tmp_path / "other.npz", vectors=np.zeros((0, 2), np.float32))
    with pytest.raises(ValueError, match="not a SemanticIndex file"):
        SemanticIndex.load(tmp_path / "other")
