"""The disk cache: round trips, key separation, model memory, location and cache= resolution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aoai_nb.embeddings._cache import EmbeddingCache, Namespace, default_cache_dir, open_cache

NS = Namespace("127.0.0.1:8000", "text-embedding-3-small", "text-embedding-3-small", None)


def test_round_trip_keeps_float32_bits(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3, 1536)).astype(np.float32)
    with EmbeddingCache(tmp_path) as cache:
        assert cache.put_many(NS, zip(["a", "b", "c"], vectors, strict=True)) == 3
        found = cache.get_many(NS, ["c", "missing", "a"])
        assert sorted(found) == [0, 2]
        np.testing.assert_array_equal(found[0], vectors[2])
        np.testing.assert_array_equal(found[2], vectors[0])
        assert found[0].dtype == np.float32
        assert len(cache) == 3
        assert cache.size_bytes() > 3 * 1536 * 4
        assert repr(cache) == f"<EmbeddingCache {str(tmp_path)!r}>"


def test_every_part_of_the_namespace_separates_entries(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        cache.put_many(NS, [("hello", np.ones(4, np.float32))])
        for other in (
            Namespace("other-host:443", NS.deployment, NS.model, None),
            Namespace(NS.host, "another-deployment", NS.model, None),
            Namespace(NS.host, NS.deployment, "text-embedding-3-large", None),
            Namespace(NS.host, NS.deployment, NS.model, 256),
        ):
            assert cache.get_many(other, ["hello"]) == {}
        assert list(cache.get_many(NS, ["hello"])) == [0]


def test_many_keys_are_looked_up_in_batches(tmp_path: Path) -> None:
    texts = [f"text {i}" for i in range(1234)]
    with EmbeddingCache(tmp_path) as cache:
        cache.put_many(NS, [(t, np.full(2, i, np.float32)) for i, t in enumerate(texts)])
        found = cache.get_many(NS, texts)
        assert len(found) == 1234 and found[1000].tolist() == [1000, 1000]


def test_model_memory_and_clear(tmp_path: Path) -> None:
    with EmbeddingCache(tmp_path) as cache:
        assert cache.model_for("h", "d", None) is None
        cache.set_model("h", "d", None, "m1")
        cache.set_model("h", "d", 256, "m2")
        assert cache.model_for("h", "d", None) == "m1" and cache.model_for("h", "d", 256) == "m2"
        cache.put_many(NS, [("x", np.ones(2, np.float32))])
        cache.clear()
        assert len(cache) == 0 and cache.model_for("h", "d", None) is None
    with EmbeddingCache(tmp_path) as again:  # the file persists across objects
        again.put_many(NS, [("y", np.ones(2, np.float32))])
    with EmbeddingCache(tmp_path) as third:
        assert len(third) == 1


def test_default_directory_comes_from_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"AOAI_NB_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert default_cache_dir({}) == Path.home() / ".cache" / "aoai-nb" / "embeddings"
    assert default_cache_dir({"AOAI_NB_CACHE_DIR": "  "}) == Path.home() / ".cache" / "aoai-nb" / "embeddings"


def test_open_cache_resolves_every_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert open_cache(False) == (None, False)
    assert open_cache(None) == (None, False)
    mine = EmbeddingCache(tmp_path / "mine")
    try:
        assert open_cache(mine) == (mine, False)
    finally:
        mine.close()
    store, owned = open_cache(tmp_path / "dir")
    assert owned and store is not None and store.directory == tmp_path / "dir"
    store.close()
    monkeypatch.setenv("AOAI_NB_CACHE_DIR", str(tmp_path / "env"))
    store, owned = open_cache(True)
    assert owned and store is not None and store.directory == tmp_path / "env"
    store.close()
    with pytest.raises(TypeError, match="cache must be True, False"):
        open_cache(3)  # type: ignore[arg-type]


def test_unwritable_directory_names_the_fix(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError, match="cache=False"):
        EmbeddingCache(blocker / "sub")
