"""The capabilities the toolkit calls, and the deployment that answers each one by default.

``Deployments`` holds the deployment name per capability; ``aoai_nb.config`` re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Capability = Literal[
    "chat",
    "classic_chat",
    "embeddings",
    "images",
    "classic_images",
    "transcription",
    "classic_transcription",
    "diarization",
    "speech",
    "classic_speech",
    "completions",
]
CAPABILITIES: tuple[Capability, ...] = get_args(Capability)
# Each capability's default deployment: what a workshop deploys on a resource created today, and the
# previous generation ("classic_*": a non-reasoning chat model, dall-e-3, whisper, tts) for the notebooks that
# show both. The names match the emulator's default deployments (aoai_nb/emulator/deployments.yaml).
DEFAULT_DEPLOYMENTS: dict[Capability, str] = {
    "chat": "gpt-5-mini",
    "classic_chat": "gpt-4o",
    "embeddings": "text-embedding-3-small",
    "images": "gpt-image-1-mini",
    "classic_images": "dall-e-3",
    "transcription": "gpt-4o-mini-transcribe",
    "classic_transcription": "whisper",
    "diarization": "gpt-4o-transcribe-diarize",
    "speech": "gpt-4o-mini-tts",
    "classic_speech": "tts",
    "completions": "gpt-35-turbo-instruct",
}
# The capability family each capability's deployments answer (what doctor probes them with).
BASE_CAPABILITY: dict[Capability, str] = {
    "classic_chat": "chat",
    "classic_images": "images",
    "classic_transcription": "transcription",
    "diarization": "transcription",
    "classic_speech": "speech",
}


@dataclass(frozen=True)
class Deployments:
    """The deployment name per capability. ``classic_*`` name the previous generation's deployments."""

    chat: str = DEFAULT_DEPLOYMENTS["chat"]
    classic_chat: str = DEFAULT_DEPLOYMENTS["classic_chat"]
    embeddings: str = DEFAULT_DEPLOYMENTS["embeddings"]
    images: str = DEFAULT_DEPLOYMENTS["images"]
    classic_images: str = DEFAULT_DEPLOYMENTS["classic_images"]
    transcription: str = DEFAULT_DEPLOYMENTS["transcription"]
    classic_transcription: str = DEFAULT_DEPLOYMENTS["classic_transcription"]
    diarization: str = DEFAULT_DEPLOYMENTS["diarization"]
    speech: str = DEFAULT_DEPLOYMENTS["speech"]
    classic_speech: str = DEFAULT_DEPLOYMENTS["classic_speech"]
    completions: str = DEFAULT_DEPLOYMENTS["completions"]

    def for_capability(self, capability: Capability) -> str:
        if capability not in CAPABILITIES:
            raise ValueError(f"Unknown capability {capability!r}: use one of {', '.join(CAPABILITIES)}.")
        name: str = getattr(self, capability)
        return name
