"""Who may call, with which api-version, on which deployment: the checks every API request passes first."""

from __future__ import annotations

import hmac
import re
from collections.abc import Iterable, Mapping

from aoai_nb.emulator.config import Capability, Deployment
from aoai_nb.emulator.wire import (
    access_denied,
    api_version_not_supported,
    deployment_not_found,
    operation_not_supported,
    resource_not_found,
)

# Dated api-versions accepted on classic (/openai/deployments/...) routes: every data-plane inference version
# Azure publishes, GA and preview. Source: Azure/azure-rest-api-specs,
# specification/cognitiveservices/data-plane/AzureOpenAI/inference/{stable,preview}/<version>/, one folder per
# version (e.g. stable/2024-10-21/inference.json @132b90d1, preview/2024-12-01-preview/inference.yaml @f5ec6141,
# preview/2025-01-01-preview/inference.yaml @1eb311c3, preview/2025-02-01-preview/inference.yaml @54923347,
# preview/2025-03-01-preview/inference.yaml @aad4690d, preview/2025-04-01-preview/inference.yaml @b2f74197; the
# folder's readme.md @0d206cf8 tags 2022-03-01-preview to 2024-10-01-preview). Left out: 2023-11-01-preview
# (only a TypeSpec-generated SDK file, generated.json @c3f318ed, and no release tag) and 2024-11-01-preview
# (only in a fork). There is no dated version after 2025-04-01-preview: newer features are on /openai/v1
# (MicrosoftDocs/azure-ai-docs api-version lifecycle). Whether Azure still serves the oldest previews is not
# published. Any other value is answered 400 "API version not supported".
GA_API_VERSIONS: frozenset[str] = frozenset(
    {"2022-12-01", "2023-05-15", "2024-02-01", "2024-06-01", "2024-10-21"}
)
PREVIEW_API_VERSIONS: frozenset[str] = frozenset(
    {
        "2022-03-01-preview",
        "2022-06-01-preview",
        "2023-03-15-preview",
        "2023-06-01-preview",
        "2023-07-01-preview",
        "2023-08-01-preview",
        "2023-09-01-preview",
        "2023-10-01-preview",
        "2023-12-01-preview",
        "2024-02-15-preview",
        "2024-03-01-preview",
        "2024-04-01-preview",
        "2024-05-01-preview",
        "2024-07-01-preview",
        "2024-08-01-preview",
        "2024-09-01-preview",
        "2024-10-01-preview",
        "2024-12-01-preview",
        "2025-01-01-preview",
        "2025-02-01-preview",
        "2025-03-01-preview",
        "2025-04-01-preview",
    }
)
KNOWN_API_VERSIONS: frozenset[str] = GA_API_VERSIONS | PREVIEW_API_VERSIONS
# /openai/v1: "v1" (the default) and "preview" (specification/ai/data-plane/OpenAI.v1/azure-v1-v1-generated.yaml
# @31c65e1b and azure-v1-preview-generated.yaml @0723d852, in the same repository).
V1_API_VERSIONS: frozenset[str] = frozenset({"v1", "preview"})
_BEARER = re.compile(r"^\s*bearer\s+(\S+)\s*$", re.IGNORECASE)

# operation names Azure uses in messages (OperationNotSupported, 429 bodies)
OPERATION_NAMES: dict[str, str] = {
    "chat/completions": "chatCompletion",
    "completions": "completion",
    "embeddings": "embeddings",
    "images/generations": "imageGeneration",
    "images/edits": "imageEdit",
    "audio/transcriptions": "transcription",
    "audio/translations": "translation",
    "audio/speech": "speech",
    "responses": "responses",
}
QUOTA_OPERATIONS: dict[str, str] = {
    "chat/completions": "ChatCompletions_Create",
    "completions": "Completions_Create",
    "embeddings": "Embeddings_Create",
    "images/generations": "ImageGenerations_Create",
    "images/edits": "ImageEdits_Create",
    "audio/transcriptions": "Transcriptions_Create",
    "audio/translations": "Translations_Create",
    "audio/speech": "Speech_Create",
    "responses": "Responses_Create",
}
ROUTE_CAPABILITY: dict[str, Capability] = {
    "chat/completions": "chat",
    "completions": "completions",
    "embeddings": "embeddings",
    "images/generations": "images",
    "images/edits": "images",
    "audio/transcriptions": "transcription",
    "audio/translations": "transcription",
    "audio/speech": "speech",
    "responses": "chat",
}


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key from ``api-key`` or ``Authorization: Bearer <key>``, whichever is present."""
    key = headers.get("api-key")
    if key:
        return key.strip()
    match = _BEARER.match(headers.get("authorization", ""))
    return match.group(1) if match else None


def check_auth(headers: Mapping[str, str], api_key: str, auth: bool) -> None:
    if not auth:
        return
    key = presented_key(headers)
    if key is None or not hmac.compare_digest(key.encode(), api_key.encode()):
        raise access_denied()


def classic_api_version(query: Mapping[str, str]) -> str:
    """Classic routes: a missing api-version is no route at all (404); an unknown one is a 400."""
    version = query.get("api-version")
    if version is None:
        raise resource_not_found()
    return version


def check_classic_api_version(version: str) -> None:
    if version not in KNOWN_API_VERSIONS:
        raise api_version_not_supported()


def check_v1_api_version(query: Mapping[str, str]) -> str:
    version = query.get("api-version", "v1")
    if version not in V1_API_VERSIONS:
        raise api_version_not_supported()
    return version


class DeploymentRegistry:
    def __init__(self, deployments: Iterable[Deployment]) -> None:
        self._by_name = {d.name: d for d in deployments}

    def all(self) -> list[Deployment]:
        return list(self._by_name.values())

    def get(self, name: str) -> Deployment:
        deployment = self._by_name.get(name)
        if deployment is None:
            raise deployment_not_found()
        return deployment

    def replace(self, deployment: Deployment) -> None:
        self._by_name[deployment.name] = deployment

    def for_route(self, name: str, route: str) -> Deployment:
        deployment = self.get(name)
        if ROUTE_CAPABILITY[route] != deployment.capability:
            raise operation_not_supported(OPERATION_NAMES[route], deployment.model)
        return deployment


def check_key_and_version(
    headers: Mapping[str, str], query: Mapping[str, str], api_key: str, auth: bool, v1: bool
) -> str | None:
    """A non-deployment route's checks in Azure's order (a classic route's api-version is read before the key);
    returns the classic api-version, None on /openai/v1."""
    if v1:
        check_auth(headers, api_key, auth)
        check_v1_api_version(query)
        return None
    version = classic_api_version(query)
    check_auth(headers, api_key, auth)
    check_classic_api_version(version)
    return version
