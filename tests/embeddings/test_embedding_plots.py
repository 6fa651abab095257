"""Plots draw what they claim: labels, annotations, colours per label; PCA agrees with scikit-learn."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from aoai_nb.embeddings._plots import plot_projection, project_2d, similarity_heatmap
from aoai_nb.embeddings._similarity import similarity_matrix


@pytest.fixture(autouse=True)
def agg() -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


def clusters() -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    centres = np.eye(3, 16) * 5
    vectors = np.concatenate([c + rng.standard_normal((10, 16)) * 0.3 for c in centres])
    return vectors, ["a"] * 10 + ["b"] * 10 + ["c"] * 10


def test_heatmap_labels_and_annotates() -> None:
    vectors = np.array([[1, 0], [0.6, 0.8], [0, 1]], dtype=np.float32)
    ax = similarity_heatmap(
        similarity_matrix(vectors), ["one", "two", "a very long label that gets shortened"]
    )
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["one", "two"]
    assert ax.get_xticklabels()[2].get_text() == "a very long label that gets…"
    cells = [t.get_text() for t in ax.texts]
    assert cells == ["1.00", "0.60", "0.00", "0.60", "1.00", "0.80", "0.00", "0.80", "1.00"]
    assert ax.get_title() == "Cosine similarity"
    np.testing.assert_allclose(ax.images[0].get_array(), similarity_matrix(vectors))


def test_heatmap_skips_annotations_when_large_and_checks_labels() -> None:
    matrix = similarity_matrix(np.random.default_rng(1).standard_normal((20, 8)))
    assert len(similarity_heatmap(matrix).texts) == 0
    with pytest.raises(ValueError, match="3 labels for a 20 x 20"):
        similarity_heatmap(matrix, ["a", "b", "c"])
    with pytest.raises(TypeError, match="several texts"):
        similarity_heatmap("one text")


def test_pca_matches_scikit_learn_up_to_sign() -> None:
    from sklearn.decomposition import PCA

    vectors, _ = clusters()
    ours = project_2d(vectors)
    theirs = PCA(n_components=2).fit_transform(vectors)
    for axis in range(2):
        sign = np.sign(ours[:, axis] @ theirs[:, axis])
        np.testing.assert_allclose(ours[:, axis], sign * theirs[:, axis], atol=1e-4)
    np.testing.assert_array_equal(project_2d(vectors), ours)  # deterministic


def test_projection_colours_each_label() -> None:
    vectors, labels = clusters()
    ax = plot_projection(vectors, labels, texts=None)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert [len(c.get_offsets()) for c in ax.collections] == [10, 10, 10]
    assert ax.get_title() == "30 embeddings, PCA projection"


def test_projection_numeric_labels_texts_and_tsne() -> None:
    vectors, _ = clusters()
    ax = plot_projection(vectors[:6], labels=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], texts=list("abcdef"))
    assert len(ax.figure.axes) == 2  # the plot and its colour bar
    assert [t.get_text() for t in ax.texts] == list("abcdef")
    coords = project_2d(vectors, "tsne")
    assert coords.shape == (30, 2) and np.isfinite(coords).all()
    with pytest.raises(ValueError, match="'pca' or 'tsne'"):
        project_2d(vectors, "umap")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 labels for 30 vectors"):
        plot_projection(vectors, ["a", "b"])
