"""Generated images kept in memory so their ``url`` works: a small least-recently-used store."""

from __future__ import annotations

import secrets
from collections import OrderedDict

IMAGE_PATH = "/aoai-nb/images"


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
