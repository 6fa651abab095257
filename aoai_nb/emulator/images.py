"""Generated images kept in memory so their ``url`` works: a small least-recently-used store."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

IMAGE_PATH = "/aoai-nb/images"


def image_base_url(scope: Mapping[str, Any], public_url: str | None) -> str:
    """Where image URLs point: the configured public URL, else the address this connection reached the server
    on (from the socket, never the client's ``Host`` header, which anyone can set)."""
    if public_url:
        return public_url.rstrip("/")
    host, port = scope.get("server") or ("127.0.0.1", 80)
    host = f"[{host}]" if ":" in str(host) else str(host)
    return f"{scope.get('scheme', 'http')}://{host}:{port}"


class ImageStore:
    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._images: OrderedDict[str, bytes] = OrderedDict()

    def put(self, png: bytes) -> str:
        image_id = secrets.token_hex(12)
        self._images[image_id] = png
        while len(self._images) > self.capacity:
            self._images.popitem(last=False)
        return image_id

    def get(self, image_id: str) -> bytes | None:
        png = self._images.get(image_id)
        if png is not None:
            self._images.move_to_end(image_id)
        return png

    def __len__(self) -> int:
        return len(self._images)
