"""Uploaded files and batch results, kept in memory with a bound on their count and total bytes.

Uploads (purpose ``batch``) count against ``max_files`` and ``max_files_bytes``; a batch's output and error
files (purpose ``batch_output``) are not counted, as Azure does not count them against its file limits.
Each refusal is an Azure-shaped error naming the limit and the fix.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from aoai_nb.emulator.payloads import too_large
from aoai_nb.emulator.wire import AzureError, simple_error

UPLOAD_PURPOSE = "batch"
OUTPUT_PURPOSE = "batch_output"


def new_file_id() -> str:
    """``file-`` + 32 hex digits, as Azure's ids."""
    return "file-" + secrets.token_hex(16)


def not_found(kind: str, object_id: str, listing: str) -> AzureError:
    """The Files and Batch APIs' 404 for an unknown id, e.g. ``File with id '...' was not found; ...``, with
    ``listing`` naming the call that lists the known ones."""
    return simple_error(404, "NotFound", f"{kind} with id '{object_id}' was not found; {listing}")


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes
    created_at: int
    expires_at: int | None = None

    def as_object(self) -> dict[str, Any]:
        """The file object of Azure's Files API (``expires_at`` only for a file that expires: the v1 spec
        types it as an integer, never null)."""
        obj: dict[str, Any] = {
            "id": self.id,
            "object": "file",
            "bytes": len(self.data),
            "created_at": self.created_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }
        if self.expires_at is not None:
            obj["expires_at"] = self.expires_at
        return obj


class FileStore:
    """Files by id, in upload order. Expired files (``expires_at`` passed) are dropped when next looked at."""

    def __init__(self, max_file_bytes: int, max_total_bytes: int, max_files: int) -> None:
        self.max_file_bytes = max_file_bytes
        self.max_total_bytes = max_total_bytes
        self.max_files = max_files
        self._files: dict[str, StoredFile] = {}

    def __len__(self) -> int:
        return len(self._files)

    def _drop_expired(self) -> None:
        now = time.time()
        for file_id in [
            f.id for f in self._files.values() if f.expires_at is not None and f.expires_at <= now
        ]:
            del self._files[file_id]

    def uploaded_bytes(self) -> int:
        return sum(len(f.data) for f in self._files.values() if f.purpose != OUTPUT_PURPOSE)

    def add(self, filename: str, purpose: str, data: bytes, expires_after: int | None = None) -> StoredFile:
        """Keep a file; uploads are checked against the limits, batch outputs are not."""
        self._drop_expired()
        if purpose != OUTPUT_PURPOSE:
            if len(data) > self.max_file_bytes:
                raise too_large("file", self.max_file_bytes)
            uploads = sum(1 for f in self._files.values() if f.purpose != OUTPUT_PURPOSE)
            if uploads >= self.max_files:
                raise simple_error(
                    400,
                    "QuotaExceeded",
                    f"This resource already holds {uploads} files, the emulator's limit (Azure allows 500 batch "
                    "input files without expiry); delete some with client.files.delete(file_id).",
                )
            if self.uploaded_bytes() + len(data) > self.max_total_bytes:
                raise simple_error(
                    400,
                    "QuotaExceeded",
                    f"The uploaded files would exceed the emulator's total of "
                    f"{self.max_total_bytes / 1024 / 1024:g} MiB (files are kept in memory); delete some with "
                    "client.files.delete(file_id).",
                )
        created = int(time.time())
        stored = StoredFile(
            new_file_id(),
            filename,
            purpose,
            data,
            created,
            None if expires_after is None else created + expires_after,
        )
        self._files[stored.id] = stored
        return stored

    def get(self, file_id: str) -> StoredFile:
        self._drop_expired()
        stored = self._files.get(file_id)
        if stored is None:
            raise not_found("File", file_id, "client.files.list() shows the files kept.")
        return stored

    def delete(self, file_id: str) -> None:
        self.get(file_id)
        del self._files[file_id]

    def all(self, purpose: str | None = None) -> list[StoredFile]:
        self._drop_expired()
        return [f for f in self._files.values() if purpose is None or f.purpose == purpose]
