"""An images response as a view: each image inline (from ``b64_json`` or ``url``) with its revised prompt."""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import FilterReport, as_dict


def image_info(data: bytes) -> tuple[str, int | None, int | None]:
    """(format, width, height) from the first bytes of a PNG, JPEG, GIF or WEBP; sizes None when unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "gif", width, height
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp", None, None
    if data.startswith(b"\xff\xd8"):
        return "jpeg", *_jpeg_size(data)
    return "unknown", None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None, None
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None, None


@dataclass(frozen=True)
class ImageItem:
    index: int
    data: bytes | None  # decoded b64_json
    url: str | None
    revised_prompt: str | None

    def describe(self) -> str:
        if self.data is not None:
            fmt, width, height = image_info(self.data)
            size = f" {width}x{height}" if width and height else ""
            return f"image {self.index}: {fmt}{size}, {len(self.data) / 1024:.1f} kB (b64_json)"
        return f"image {self.index}: url {self.url}" if self.url else f"image {self.index}: no data"

    def to_html(self) -> str:
        style = "max-width:100%;max-height:512px;border-radius:4px;display:block;margin:4px 0"
        src: str | None = None
        if self.data is not None:
            fmt = image_info(self.data)[0]
            mime = f"image/{fmt}" if fmt != "unknown" else "image/png"
            src = f"data:{mime};base64,{base64.b64encode(self.data).decode('ascii')}"
        elif self.url:
            src = h.safe_src(self.url)
        parts = [h.line(h.esc(self.describe()), muted=True)]
        if src:
            parts.append(
                h.Raw(
                    f'<img src="{h.esc(src)}" alt="{h.esc(self.revised_prompt or "generated image")}" style="{style}"/>'
                )
            )
        if self.revised_prompt:
            parts.append(h.line(h.Raw("<b>revised prompt:</b>"), h.esc(self.revised_prompt)))
        return "".join(parts)


@dataclass(frozen=True, repr=False)
class ImagesView(View):
    images: tuple[ImageItem, ...]
    created: int | None = None
    filter_report: FilterReport | None = None
    request_id: str | None = None

    @classmethod
    def from_response(cls, response: Any) -> ImagesView:
        data = as_dict(response)
        items = []
        for index, item in enumerate(data.get("data") or []):
            raw: bytes | None = None
            if item.get("b64_json"):
                try:
                    raw = base64.b64decode(item["b64_json"], validate=False)
                except (binascii.Error, ValueError):
                    raw = None
            items.append(ImageItem(index, raw, item.get("url"), item.get("revised_prompt")))
        return cls(
            tuple(items),
            created=data.get("created"),
            filter_report=FilterReport.from_images(data),
            request_id=getattr(response, "_request_id", None),
        )

    def __repr__(self) -> str:
        return f"<ImagesView {h.plural(len(self.images), 'image')}>"

    def to_text(self) -> str:
        lines = []
        for item in self.images:
            lines.append(item.describe())
            if item.revised_prompt:
                lines.append(f"  revised prompt: {item.revised_prompt}")
        report = self.filter_report
        if report is not None and report.results:
            lines.append(f"filters: {report.status}" + (f" ({report.summary()})" if report.summary() else ""))
        if self.request_id:
            lines.append(f"request id: {self.request_id}")
        return "\n".join(lines) or "images: none returned"

    def to_html(self) -> str:
        parts = [item.to_html() for item in self.images] or [h.line(h.esc("images: none returned"))]
        report = self.filter_report
        if report is not None and report.results:
            parts.append(report.inline_html())
        if self.request_id:
            parts.append(h.line(h.esc(f"request id: {self.request_id}"), muted=True))
        return h.box(*parts)
