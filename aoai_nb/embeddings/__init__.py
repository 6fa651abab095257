"""Embeddings in notebooks: batched, concurrent, cached requests; similarity and fast top-k; an index; plots.

The public names (``embed``, ``rank``, ``similarity_matrix``, ``SemanticIndex``, ...) are on ``aoai_nb``; the
modules here are private.
"""
