"""RankTable renders as text and escaped HTML, iterates as hits and converts to pandas."""

from __future__ import annotations

import numpy as np

from aoai_nb.embeddings._rank_table import RankTable
from aoai_nb.embeddings._similarity import rank

CORPUS = np.array([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32)
TEXTS = ["<script>alert(1)</script>", "east & a bit north", "north", "west"]


def test_text_form_is_a_stable_table() -> None:
    table = rank([1, 0], CORPUS, k=3, texts=TEXTS)
    assert str(table) == (
        "#  score   index  text\n"
        "1  1.0000  0      <script>alert(1)</script>\n"
        "2  0.8000  1      east & a bit north\n"
        "3  0.0000  2      north"
    )
    assert repr(table) == "<RankTable 3 hits>"
    bundle = table._repr_mimebundle_()
    assert bundle["text/plain"] == str(table)


def test_html_escapes_every_text_and_draws_score_bars() -> None:
    html = rank([1, 0], CORPUS, k=2, texts=TEXTS).to_html()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "east &amp; a bit north" in html
    assert "linear-gradient(90deg,#b6e3ff 100%" in html and "#b6e3ff 80%" in html
    assert "<style" not in html and "class=" not in html  # inline styles only


def test_multi_query_groups_by_query() -> None:
    table = RankTable(
        np.array([[0, 1], [2, -1]]),
        np.array([[1.0, 0.8], [1.0, -np.inf]], dtype=np.float32),
        texts=TEXTS,
        queries=["first <q>", "second"],
        single=False,
    )
    assert repr(table) == "<RankTable 3 hits for 2 queries>"
    text = str(table)
    assert text.startswith("'first <q>':\n#  score")
    assert "'second':\n#  score   index  text\n1  1.0000  2      north" in text
    assert "first &lt;q&gt;" in table.to_html()
    assert [(h.query, h.rank, h.index) for h in table] == [(0, 1, 0), (0, 2, 1), (1, 1, 2)]


def test_to_pandas_has_text_score_index_and_metadata() -> None:
    table = RankTable(
        np.array([[2, 0]]),
        np.array([[0.9, 0.5]], dtype=np.float32),
        texts=TEXTS,
        metadata=[{"source": "a"}, {}, {"source": "c", "year": 2024}, {}],
    )
    df = table.to_pandas()
    assert list(df.columns) == ["rank", "text", "score", "index", "source", "year"]
    assert df["index"].tolist() == [2, 0]
    assert df["text"].tolist() == ["north", TEXTS[0]]
    assert df["source"].tolist() == ["c", "a"]
    assert df["score"].round(4).tolist() == [0.9, 0.5]
    assert "source" in str(table) and "2024" in str(table)


def test_multi_query_to_pandas_and_no_texts() -> None:
    table = rank(np.array([[1, 0], [0, 1]]), CORPUS, k=1)
    df = table.to_pandas()
    assert list(df.columns) == ["query", "rank", "score", "index"]
    assert df["query"].tolist() == ["query 0", "query 1"]
    assert "text" not in str(table)


def test_empty_table() -> None:
    table = RankTable(np.full((1, 2), -1), np.full((1, 2), -np.inf, dtype=np.float32))
    assert len(table) == 0
    assert str(table) == "RankTable: no matches"
    assert "no matches" in table.to_html()
    assert table.to_pandas().empty


def test_long_results_are_cut_in_views_but_not_in_pandas() -> None:
    rng = np.random.default_rng(0)
    corpus = rng.standard_normal((200, 4)).astype(np.float32)
    table = rank(corpus[0], corpus, k=120)
    assert len(str(table).splitlines()) == 1 + 50 + 2
    assert "… 70 more rows per query" in str(table)
    assert len(table.to_pandas()) == 120
