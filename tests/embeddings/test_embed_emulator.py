"""embed() through the openai SDK against the emulator: batching, caching, 429s, partial failure."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import numpy as np
import openai
import pytest

from aoai_nb.embeddings import _requests as requests_module
from aoai_nb.embeddings._cache import EmbeddingCache, Namespace
from aoai_nb.embeddings._embed import MAX_INPUT_TOKENS, EmbeddingBatchError, embed

from .conftest import DEPLOYMENT, ClientFactory, azure_400


def embedding_requests(emulator: Any) -> int:
    return int(emulator.status()["requests"]["by_route"].get("embeddings", 0))


def reference(client: openai.AzureOpenAI, texts: list[str], **options: Any) -> np.ndarray:
    """What the service returns for these texts, one plain SDK call (float format)."""
    response = client.embeddings.create(input=texts, model=DEPLOYMENT, encoding_format="float", **options)
    return np.array([d.embedding for d in response.data], dtype=np.float32)


def corpus(n: int, prefix: str = "note") -> list[str]:
    return [f"{prefix} {i}: the quick brown fox {i % 7} jumps over lazy dog {i % 11}" for i in range(n)]


def test_batches_to_azures_limit_and_keeps_order(
    emulator: Any, make_client: ClientFactory, tmp_path: Path
) -> None:
    client, recorder = make_client()
    texts = corpus(4196)
    before = embedding_requests(emulator)
    vectors = embed(texts, client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    assert embedding_requests(emulator) - before == 3  # ceil(4196 / 2048)
    assert sorted(len(e.inputs) for e in recorder.exchanges) == [100, 2048, 2048]
    assert vectors.shape == (4196, 1536) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    picks = [0, 1, 2047, 2048, 4195]
    np.testing.assert_allclose(vectors[picks], reference(client, [texts[i] for i in picks]), atol=1e-6)


def test_batch_size_and_token_budget_bound_each_request(make_client: ClientFactory) -> None:
    client, recorder = make_client()
    texts = corpus(1050)
    embed(texts, client=client, deployment=DEPLOYMENT, batch_size=100, cache=False, progress=False)
    assert sorted(len(e.inputs) for e in recorder.exchanges) == [50] + [100] * 10
    client, recorder = make_client()
    long_texts = ["word " * 400 + str(i) for i in range(30)]  # ~500 estimated tokens each
    embed(
        long_texts, client=client, deployment=DEPLOYMENT, max_batch_tokens=2_000, cache=False, progress=False
    )
    assert all(len(e.inputs) <= 3 for e in recorder.exchanges)
    assert sorted(recorder.embedded) == sorted(long_texts)


def test_cached_rerun_makes_no_requests(emulator: Any, make_client: ClientFactory, tmp_path: Path) -> None:
    client, _ = make_client()
    texts = corpus(2500)
    first = embed(texts, client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    before = embedding_requests(emulator)
    again = embed(texts, client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    assert embedding_requests(emulator) == before  # zero requests
    np.testing.assert_array_equal(first, again)
    client, recorder = make_client()
    more = embed(
        texts[:10] + ["a new text"], client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False
    )
    assert recorder.embedded == ["a new text"]  # only the miss is requested
    np.testing.assert_array_equal(more[:10], first[:10])


def test_cache_keys_include_dimensions(make_client: ClientFactory, tmp_path: Path) -> None:
    client, recorder = make_client()
    texts = corpus(20)
    full = embed(texts, client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    small = embed(texts, client=client, deployment=DEPLOYMENT, dimensions=256, cache=tmp_path, progress=False)
    assert full.shape == (20, 1536) and small.shape == (20, 256)
    assert len(recorder.exchanges) == 2
    np.testing.assert_allclose(np.linalg.norm(small, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(small, reference(client, texts, dimensions=256), atol=1e-6)


def test_duplicates_are_embedded_once_and_inputs_can_be_a_series(make_client: ClientFactory) -> None:
    pd = pytest.importorskip("pandas")
    client, recorder = make_client()
    frame = pd.DataFrame({"text": ["alpha", "beta", "alpha", "gamma", "beta"]}, index=[10, 11, 12, 13, 14])
    vectors = embed(frame["text"], client=client, deployment=DEPLOYMENT, cache=False)
    assert sorted(recorder.embedded) == ["alpha", "beta", "gamma"]
    assert vectors.shape == (5, 1536)
    np.testing.assert_array_equal(vectors[0], vectors[2])
    np.testing.assert_array_equal(vectors[1], vectors[4])
    one = embed("alpha", client=client, deployment=DEPLOYMENT, cache=False)
    assert one.shape == (1, 1536)
    np.testing.assert_allclose(one[0], vectors[0], atol=1e-7)


def test_bad_inputs_name_the_fix(make_client: ClientFactory) -> None:
    pd = pytest.importorskip("pandas")
    client, recorder = make_client()
    frame = pd.DataFrame({"text": ["a", None, "c"]}, index=["x", "y", "z"])
    with pytest.raises(TypeError, match=r"texts\[1\] \(index label 'y'\) is missing \(None/NaN\).*fillna"):
        embed(frame["text"], client=client, deployment=DEPLOYMENT, cache=False)
    with pytest.raises(TypeError, match=r"not a DataFrame: embed\(df\['text'\]\)"):
        embed(frame, client=client, deployment=DEPLOYMENT, cache=False)
    with pytest.raises(ValueError, match="batch_size must be between 1 and 2048"):
        embed(["a"], client=client, deployment=DEPLOYMENT, batch_size=4096, cache=False)
    async_client = openai.AsyncAzureOpenAI(
        azure_endpoint="http://127.0.0.1:1", api_key="k", api_version="2024-10-21"
    )
    try:
        with pytest.raises(TypeError, match="synchronous client"):
            embed(["a"], client=async_client, deployment=DEPLOYMENT)  # type: ignore[arg-type]
    finally:
        asyncio.run(async_client.close())
    assert recorder.exchanges == []
    assert embed([], client=client, deployment=DEPLOYMENT, cache=False).shape == (0, 0)


def test_429_mid_run_is_retried_and_every_item_embedded_once(make_client: ClientFactory) -> None:
    texts = corpus(500)
    fault = {"x-aoai-nb-fault": "429", "x-aoai-nb-retry-after-ms": "50"}
    client, recorder = make_client(inject=lambda n, _: fault if n == 1 else None)
    vectors = embed(texts, client=client, deployment=DEPLOYMENT, batch_size=100, concurrency=1, cache=False)
    assert recorder.statuses() == [200, 429, 200, 200, 200, 200]  # the SDK retried the second request
    assert sorted(recorder.embedded) == sorted(texts)  # each text embedded exactly once
    clean_client, _ = make_client()
    # float32 matmuls may round differently across batch shapes on some CPUs: compare with a tolerance
    np.testing.assert_allclose(
        vectors, embed(texts, client=clean_client, deployment=DEPLOYMENT, cache=False), rtol=0, atol=1e-6
    )


def test_429_beyond_the_sdks_retries_waits_for_retry_after(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    monkeypatch.setattr(requests_module, "_sleep", sleep)
    texts = corpus(300)
    fault = {"x-aoai-nb-fault": "429", "x-aoai-nb-retry-after-ms": "150"}
    client, recorder = make_client(inject=lambda n, _: fault if n in (1, 2) else None, max_retries=0)
    vectors = embed(texts, client=client, deployment=DEPLOYMENT, batch_size=100, concurrency=1, cache=False)
    assert recorder.statuses() == [200, 429, 429, 200, 200]
    assert sorted(recorder.embedded) == sorted(texts)
    assert len(waits) == 2 and all(0.1 < w <= 0.15 for w in waits)  # retry-after-ms honoured, not guessed
    assert vectors.shape == (300, 1536) and np.isfinite(vectors).all()


def test_partial_failure_lists_items_and_keeps_successes(make_client: ClientFactory, tmp_path: Path) -> None:
    texts = corpus(40)
    texts[3] = ""  # refused before any request
    texts[17] = "x" * (4 * MAX_INPUT_TOKENS + 8)  # estimated over the per-input limit
    texts[25] = "POISON pill that the service refuses"
    refuse = azure_400("Invalid input: the service could not process one of the inputs.")
    client, recorder = make_client(
        inject=lambda n, inputs: refuse if any("POISON" in t for t in inputs) else None
    )
    with pytest.raises(EmbeddingBatchError) as caught:
        embed(texts, client=client, deployment=DEPLOYMENT, batch_size=16, cache=tmp_path, progress=False)
    err = caught.value
    assert err.failed_indices == [3, 17, 25]
    reasons = {f.index: f.reason for f in err.failures}
    assert "empty text" in reasons[3]
    assert "too long: about 8,193 tokens" in reasons[17] and "8,191" in reasons[17]
    assert reasons[25] == "BadRequestError: Invalid input: the service could not process one of the inputs."
    assert err.failures[2].status == 400 and err.failures[2].preview == "POISON pill that the service refuses"
    message = str(err)
    assert message.startswith("3 of 40 texts were not embedded:")
    assert "[25] 'POISON pill that the service refuses': BadRequestError" in message
    assert "[17] 'xxxxxxxx" in message and "…'" in message  # long texts are previewed, not dumped
    assert err.ok.tolist() == [i not in (3, 17, 25) for i in range(40)]
    assert np.isnan(err.embeddings[[3, 17, 25]]).all()
    good = [t for i, t in enumerate(texts) if err.ok[i]]
    assert sorted(recorder.embedded) == sorted(good)  # halving isolated the poison; nothing embedded twice
    np.testing.assert_allclose(err.embeddings[err.ok], reference(client, good), atol=1e-6)
    # the successes were cached: a re-run without the bad texts sends nothing
    client2, recorder2 = make_client()
    again = embed(good, client=client2, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    assert recorder2.exchanges == []
    np.testing.assert_array_equal(again, err.embeddings[err.ok])


def test_a_failing_batch_is_reported_and_the_rest_kept(make_client: ClientFactory) -> None:
    texts = corpus(60)
    fault = {"x-aoai-nb-fault": "500"}
    client, recorder = make_client(
        inject=lambda n, inputs: fault if texts[20] in inputs else None, max_retries=0
    )
    with pytest.raises(EmbeddingBatchError) as caught:
        embed(texts, client=client, deployment=DEPLOYMENT, batch_size=20, cache=False, progress=False)
    err = caught.value
    assert err.failed_indices == list(range(20, 40))
    assert err.failures[0].reason.startswith(
        "its batch of 20 failed (InternalServerError: The server had an error"
    )
    assert err.failures[0].status == 500
    assert err.ok.sum() == 40 and np.isfinite(err.embeddings[err.ok]).all()


def test_rate_limit_that_never_clears_fails_its_batch_only(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requests_module, "_sleep", lambda seconds: None)
    texts = corpus(30)
    fault = {"x-aoai-nb-fault": "429", "x-aoai-nb-retry-after-ms": "10"}
    client, _ = make_client(inject=lambda n, inputs: fault if texts[0] in inputs else None, max_retries=0)
    with pytest.raises(EmbeddingBatchError) as caught:
        embed(texts, client=client, deployment=DEPLOYMENT, batch_size=10, rate_limit_retries=2, cache=False)
    assert caught.value.failed_indices == list(range(10))
    assert "RateLimitError" in caught.value.failures[0].reason


def test_configuration_errors_raise_at_once(emulator: Any, make_client: ClientFactory) -> None:
    client, recorder = make_client()
    with pytest.raises(openai.NotFoundError):
        embed(corpus(10), client=client, deployment="no-such-deployment", cache=False)
    before = embedding_requests(emulator)
    with pytest.raises(openai.BadRequestError, match="dimensions"):
        embed(
            corpus(1000), client=client, deployment=DEPLOYMENT, dimensions=5000, batch_size=100, cache=False
        )
    assert embedding_requests(emulator) - before <= 10  # no halving storm: at most the first wave of batches


def test_a_deployment_that_changed_models_is_re_embedded(make_client: ClientFactory, tmp_path: Path) -> None:
    client, recorder = make_client()
    texts = ["first text", "second text", "third text"]
    host = f"{client.base_url.host}:{client.base_url.port}"
    with EmbeddingCache(tmp_path) as cache:  # as if an older model had answered for this deployment
        cache.set_model(host, DEPLOYMENT, None, "text-embedding-ada-002")
        stale = Namespace(host, DEPLOYMENT, "text-embedding-ada-002", None)
        cache.put_many(stale, [(t, np.ones(1536, np.float32)) for t in texts[:2]])
    vectors = embed(texts, client=client, deployment=DEPLOYMENT, cache=tmp_path, progress=False)
    assert recorder.embedded == ["third text", "first text", "second text"]
    np.testing.assert_allclose(vectors, reference(client, texts), atol=1e-6)
    with EmbeddingCache(tmp_path) as cache:
        assert cache.model_for(host, DEPLOYMENT, None) == "text-embedding-3-small [scripted]"


async def test_works_inside_a_running_event_loop(make_client: ClientFactory) -> None:
    asyncio.get_running_loop()  # as in Jupyter: a loop is running in this thread
    client, _ = make_client()
    vectors = embed(
        corpus(300), client=client, deployment=DEPLOYMENT, batch_size=50, concurrency=4, cache=False
    )
    assert vectors.shape == (300, 1536)


def test_progress_bar_on_long_runs(make_client: ClientFactory, capsys: pytest.CaptureFixture[str]) -> None:
    client, _ = make_client()
    embed(corpus(200), client=client, deployment=DEPLOYMENT, batch_size=50, cache=False)
    assert "embed text-embedding-3-small" in capsys.readouterr().err
    embed(corpus(20), client=client, deployment=DEPLOYMENT, cache=False)  # one request: no bar
    assert capsys.readouterr().err == ""


def test_default_client_and_deployment_come_from_the_configuration(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_EMBEDDINGS_DEPLOYMENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AOAI_NB_EMULATOR_URL", emulator.url)
    monkeypatch.setenv("AOAI_NB_EMULATOR_KEY", emulator.api_key)
    monkeypatch.chdir(tmp_path)  # no .env file on the way up from here
    before = embedding_requests(emulator)
    vectors = embed(["configured defaults"], cache=False)
    assert vectors.shape == (1, 1536)
    assert embedding_requests(emulator) - before == 1


def test_a_text_with_a_lone_surrogate_fails_alone(make_client: ClientFactory) -> None:
    texts = corpus(12)
    texts[5] = "broken \ud800 text from a bad decode"
    client, recorder = make_client()
    with pytest.raises(EmbeddingBatchError) as caught:
        embed(texts, client=client, deployment=DEPLOYMENT, cache=False, progress=False)
    err = caught.value
    assert err.failed_indices == [5]
    assert "lone UTF-16 surrogate" in err.failures[0].reason and "repair it" in err.failures[0].reason
    assert err.ok.sum() == 11
    assert sorted(recorder.embedded) == sorted(t for i, t in enumerate(texts) if i != 5)


def test_an_error_raised_before_sending_is_isolated_to_its_text(
    make_client: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the up-front check, the SDK's own UnicodeEncodeError (raised while encoding the request, before
    anything is sent) is isolated by halving, like a 400: only the bad text fails."""
    monkeypatch.setattr(requests_module, "unencodable", lambda text: None)
    texts = corpus(16)
    texts[9] = "broken \udfff text"
    client, _ = make_client()
    with pytest.raises(EmbeddingBatchError) as caught:
        embed(texts, client=client, deployment=DEPLOYMENT, cache=False, progress=False)
    err = caught.value
    assert err.failed_indices == [9]
    assert err.failures[0].reason.startswith("UnicodeEncodeError")
    assert err.ok.sum() == 15
