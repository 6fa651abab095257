"""Plots for embeddings: a labelled similarity heatmap and a 2-D projection coloured by label.

matplotlib (and scikit-learn, for t-SNE) are imported inside the functions, so importing this module is cheap.
Each function draws on ``ax`` when given (else a new figure) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from aoai_nb.embeddings._similarity import Matrix, as_matrix, similarity_matrix

if TYPE_CHECKING:
    import openai
    from matplotlib.axes import Axes

    from aoai_nb.embeddings._cache import EmbeddingCache

MAX_ANNOTATED = 15  # cells get their value written in them up to this many rows and columns


def _short(label: object, width: int = 28) -> str:
    text = " ".join(str(label).split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new = plt.subplots(figsize=size)
    return new


def similarity_heatmap(
    matrix_or_texts: Any,
    labels: Sequence[str] | None = None,
    *,
    ax: Axes | None = None,
    annotate: bool | None = None,
    cmap: str = "viridis",
    title: str | None = "Cosine similarity",
    client: openai.OpenAI | openai.AzureOpenAI | None = None,
    deployment: str | None = None,
    dimensions: int | None = None,
    cache: bool | str | Path | EmbeddingCache = True,
) -> Axes:
    """A heatmap of cosine similarities, rows and columns labelled.

    ``matrix_or_texts``: a square similarity matrix (e.g. from :func:`similarity_matrix`), or texts, which are
    embedded (``client``/``deployment``/``cache`` as for :func:`aoai_nb.embed`) and labelled with themselves.
    Values are written in the cells when there are at most 15 rows and columns (``annotate`` overrides).
    """
    if isinstance(matrix_or_texts, str):
        raise TypeError("Give several texts (a list), or a similarity matrix.")
    items = list(matrix_or_texts) if not isinstance(matrix_or_texts, np.ndarray) else None
    if items and isinstance(items[0], str):
        from aoai_nb.embeddings._embed import embed

        texts = [str(t) for t in items]
        vectors = embed(texts, client=client, deployment=deployment, dimensions=dimensions, cache=cache)
        matrix: Matrix = similarity_matrix(vectors)
        labels = texts if labels is None else labels
    else:
        matrix = as_matrix(matrix_or_texts, "matrix")
    rows, cols = matrix.shape
    if labels is not None and len(labels) not in (rows, cols):
        raise ValueError(f"Got {len(labels)} labels for a {rows} x {cols} matrix.")
    axes = _axes(ax, (max(4.0, 0.5 * cols + 3), max(3.0, 0.45 * rows + 2)))
    low = min(0.0, float(np.nanmin(matrix))) if matrix.size else 0.0
    image = axes.imshow(matrix, cmap=cmap, vmin=low, vmax=1.0, aspect="auto")
    axes.figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    if labels is not None:
        names = [_short(label) for label in labels]
        if len(labels) == cols:
            axes.set_xticks(range(cols), names, rotation=45, ha="right")
        if len(labels) == rows:
            axes.set_yticks(range(rows), names)
    if annotate if annotate is not None else max(rows, cols) <= MAX_ANNOTATED:
        threshold = low + 0.6 * (1.0 - low)
        for r in range(rows):
            for c in range(cols):
                colour = "black" if matrix[r, c] > threshold else "white"
                axes.text(c, r, f"{matrix[r, c]:.2f}", ha="center", va="center", fontsize=8, color=colour)
    if title:
        axes.set_title(title)
    return axes


def project_2d(vectors: Any, method: Literal["pca", "tsne"] = "pca", *, random_state: int = 0) -> Matrix:
    """The ``(n, 2)`` coordinates: PCA by numpy SVD (deterministic), or t-SNE when scikit-learn is installed."""
    x = as_matrix(vectors).astype(np.float64)
    if len(x) < 2:
        raise ValueError("A projection needs at least two vectors.")
    if method == "pca":
        centred = x - x.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components = vt[:2]
        # fix each axis's sign (largest loading positive) so repeated runs give the same picture
        signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
        coords = centred @ (components * signs[:, None]).T
        if coords.shape[1] < 2:
            coords = np.hstack([coords, np.zeros((len(coords), 2 - coords.shape[1]))])
        return np.asarray(coords, dtype=np.float32)
    if method == "tsne":
        try:
            from sklearn.manifold import TSNE
        except ImportError as exc:
            raise ImportError(
                "t-SNE needs scikit-learn: pip install scikit-learn (or use method='pca')."
            ) from exc
        perplexity = float(min(30.0, max(1.0, (len(x) - 1) / 3)))
        tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=random_state)
        return np.asarray(tsne.fit_transform(x), dtype=np.float32)
    raise ValueError(f"method must be 'pca' or 'tsne', not {method!r}.")


def plot_projection(
    vectors: Any,
    labels: Sequence[Any] | None = None,
    *,
    method: Literal["pca", "tsne"] = "pca",
    texts: Sequence[str] | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    random_state: int = 0,
) -> Axes:
    """Scatter the vectors in 2-D, coloured by ``labels`` (e.g. a DataFrame's category column).

    Categorical labels get one colour each and a legend; numeric labels get a colour scale. ``texts`` (up to 30)
    are written next to their points.
    """
    coords = project_2d(vectors, method, random_state=random_state)
    axes = _axes(ax, (7.0, 5.5))
    values = None if labels is None else list(labels.tolist() if hasattr(labels, "tolist") else labels)
    if values is not None and len(values) != len(coords):
        raise ValueError(f"Got {len(values)} labels for {len(coords)} vectors.")
    if values is None:
        axes.scatter(coords[:, 0], coords[:, 1], s=18, alpha=0.8)
    elif all(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in values):
        points = axes.scatter(coords[:, 0], coords[:, 1], c=np.asarray(values, float), s=18, cmap="viridis")
        axes.figure.colorbar(points, ax=axes)
    else:
        for name in dict.fromkeys(str(v) for v in values):
            mask = np.array([str(v) == name for v in values])
            axes.scatter(coords[mask, 0], coords[mask, 1], s=18, alpha=0.8, label=_short(name))
        axes.legend(loc="best", fontsize=8, frameon=False)
    if texts is not None and len(texts) <= 30:
        for (x, y), text in zip(coords, texts, strict=True):
            axes.annotate(_short(text, 24), (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    axes.set_xlabel("component 1" if method == "pca" else "t-SNE 1")
    axes.set_ylabel("component 2" if method == "pca" else "t-SNE 2")
    axes.set_title(title if title is not None else f"{len(coords)} embeddings, {method.upper()} projection")
    return axes
