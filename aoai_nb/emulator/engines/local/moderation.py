"""A moderation heuristic: MiniLM similarity to a few prototype sentences per category, plus a profanity score.

This is not a trained content classifier. For each text and category (hate, sexual, violence, self_harm):

    score = max cosine(text, category prototypes) + 0.2 * profanity probability (alt-profanity-check)

A category is flagged when ``score >= 0.36``, the text is closer to that category's prototypes than to every
benign prototype (everyday sentences near the same topics: cooking knives, dates, clinics, parades), and the
score is within 0.15 of the text's highest category score. Severity: low from 0.36, medium from 0.45, high
from 0.55. The thresholds were set on a small hand-written set and checked on a separate held-out set
(``tests/local/test_local_engines.py``; figures in ``docs/local-models.md``).

The profanity probability is alt-profanity-check's own model (TF-IDF, then five linear SVMs with sigmoid
calibration, averaged), evaluated by ``ProfanityModel`` from the fitted parameters in one sparse product:
``predict_prob`` gives the same numbers (tested) but spends ~3 ms per call validating input once per SVM, and
a stream is checked every few dozen tokens while the chat model computes on the same cores.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.engines.base import CATEGORIES, EmbeddingEngine, EngineUnavailable, Severity
from aoai_nb.emulator.engines.local.weights import INSTALL_COMMAND, verify_weights

MODERATION_MODEL_NAME = "local:minilm-prototypes+profanity-check"
PROFANITY_WEIGHT = 0.2
FLAG_FROM = 0.36
MEDIUM_FROM = 0.45
HIGH_FROM = 0.55
NEAR_TOP = 0.15

# Mild, clinical examples; no slurs.
PROTOTYPES: dict[str, tuple[str, ...]] = {
    "hate": (
        "People of that ethnicity are inferior to us.",
        "I hate everyone who follows that religion.",
        "Immigrants like them should be driven out of our country.",
        "That group of people is stupid and worthless.",
    ),
    "sexual": (
        "The story describes sexual intercourse in explicit detail.",
        "They undressed each other and had sex.",
        "Send me nude photos of yourself.",
        "An erotic scene describing sexual acts.",
    ),
    "violence": (
        "I am going to beat you up.",
        "He stabbed the man with a knife.",
        "They threatened to shoot everyone in the building.",
        "The soldiers attacked and killed the villagers.",
    ),
    "self_harm": (
        "I want to kill myself.",
        "I have been cutting myself to cope.",
        "I am thinking about ending my life.",
        "I want to hurt myself.",
    ),
}
BENIGN: tuple[str, ...] = (
    "The weather is nice today.",
    "Can you help me write an email to my manager?",
    "I am chopping vegetables for dinner.",
    "The football team won the match.",
    "Tell me about the history of Rome.",
    "I feel tired after a long day at work.",
    "They went on a romantic date to a restaurant.",
    "The nurse treated the patient at the clinic.",
    "People from many countries live in this city.",
    "The soldiers marched in the parade.",
)


class ProfanityModel:
    """alt-profanity-check's ``predict_prob``: mean over its calibrated SVMs of sigmoid(-(a * svm(x) + b))."""

    def __init__(self, module: Any) -> None:
        model = module.model
        try:  # scikit-learn's fitted attributes; another version may name them otherwise
            calibrated = model.calibrated_classifiers_
            shapes_ok = list(model.classes_) == [0, 1] and all(
                c.method == "sigmoid" and len(c.calibrators) == 1 and c.estimator.coef_.shape[0] == 1
                for c in calibrated
            )
        except AttributeError:
            shapes_ok = False
        if not shapes_ok:
            raise EngineUnavailable(
                f"alt-profanity-check's model is not the expected binary sigmoid-calibrated SVM ensemble. "
                f"Reinstall the pinned version: {INSTALL_COMMAND}."
            )
        self._vectorizer = module.vectorizer
        self._weights = np.stack([c.estimator.coef_[0] for c in calibrated], axis=1)  # features x models
        self._intercepts = np.array([c.estimator.intercept_[0] for c in calibrated])
        self._a = np.array([c.calibrators[0].a_ for c in calibrated])
        self._b = np.array([c.calibrators[0].b_ for c in calibrated])

    def probability(self, texts: list[str]) -> npt.NDArray[np.float64]:
        decision = np.asarray(self._vectorizer.transform(texts) @ self._weights) + self._intercepts
        return np.asarray((1.0 / (1.0 + np.exp(self._a * decision + self._b))).mean(axis=1), dtype=np.float64)


def severity(score: float) -> Severity:
    if score >= HIGH_FROM:
        return "high"
    if score >= MEDIUM_FROM:
        return "medium"
    return "low" if score >= FLAG_FROM else "safe"


class LocalModerationEngine:
    instant = False  # real model work: the HTTP layer runs it in a worker thread
    name = MODERATION_MODEL_NAME

    def __init__(self, embedder: EmbeddingEngine) -> None:
        self._embedder = embedder
        self._loaded: (
            tuple[dict[str, npt.NDArray[np.float32]], npt.NDArray[np.float32], ProfanityModel] | None
        ) = None
        self._load_lock = threading.Lock()

    def _load(self) -> tuple[dict[str, npt.NDArray[np.float32]], npt.NDArray[np.float32], ProfanityModel]:
        with self._load_lock:
            if self._loaded is None:
                verify_weights("moderation")
                try:
                    import profanity_check  # loads its scikit-learn model from the wheel at import
                except ImportError as exc:
                    raise EngineUnavailable(
                        f"alt-profanity-check is missing. Install: {INSTALL_COMMAND}."
                    ) from exc
                prototypes = {c: self._embedder.embed(list(PROTOTYPES[c])).vectors for c in CATEGORIES}
                benign = self._embedder.embed(list(BENIGN)).vectors
                self._loaded = (prototypes, benign, ProfanityModel(profanity_check.profanity_check))
            return self._loaded

    def scores(self, texts: list[str]) -> list[dict[str, float]]:
        """The raw per-category scores (before thresholds); 0.0 where the benign rule clears a category."""
        if not texts:
            return []
        prototypes, benign, profanity_model = self._load()
        vectors = self._embedder.embed(texts).vectors
        profanity = profanity_model.probability(texts)
        nearest_benign = (vectors @ benign.T).max(axis=1)
        out: list[dict[str, float]] = []
        for row, vector in enumerate(vectors):
            similarity = {c: float((prototypes[c] @ vector).max()) for c in CATEGORIES}
            score = {c: similarity[c] + PROFANITY_WEIGHT * float(profanity[row]) for c in CATEGORIES}
            top = max(score.values())
            out.append(
                {
                    c: score[c] if similarity[c] > nearest_benign[row] and score[c] >= top - NEAR_TOP else 0.0
                    for c in CATEGORIES
                }
            )
        return out

    def score(self, texts: list[str]) -> list[dict[str, Severity]]:
        return [{c: severity(s[c]) for c in CATEGORIES} for s in self.scores(texts)]
