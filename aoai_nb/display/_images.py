"""An images response as a view: each image inline (from ``b64_json`` or ``url``) with its revised prompt.

gpt-image responses also carry ``usage`` (tokens), ``output_format``, ``background``, ``quality`` and ``size``:
they are shown in a settings line, and an image that really has transparent pixels is shown over a
checkerboard so that its transparency is visible.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from typing import Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._filters import FilterReport, as_dict
from aoai_nb.display._usage import usage_counts

# a grey/white checkerboard behind images with an alpha channel (pure CSS, inline)
CHECKERBOARD = (
    "background-color:#fff;background-image:conic-gradient(#d0d7de 25%,#fff 0 50%,#d0d7de 0 75%,#fff 0);"
    "background-size:16px 16px"
)


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


def has_transparency(data: bytes) -> bool | None:
    """True when the image has at least one pixel that is not fully opaque; False when it has none (or no
    alpha channel); None when Pillow cannot read it. Pillow is imported here, on first use."""
    fmt = image_info(data)[0]
    if fmt == "jpeg":
        return False  # JPEG has no alpha channel
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            if image.mode not in ("RGBA", "LA", "PA") and "transparency" not in image.info:
                return False
            alpha = image.convert("RGBA").getchannel("A")
            low = alpha.getextrema()[0]
            return isinstance(low, int) and low < 255
    except Exception:  # noqa: BLE001 - an image Pillow cannot read is "unknown", never an error
        return None


def image_usage(usage: Any) -> str:
    """``50 input (text 10, image 40) + 4160 output = 4210 tokens`` from a gpt-image ``usage``; "" if none."""
    counts = usage_counts(usage)
    if counts is None:
        return ""
    data = as_dict(usage)
    details = data.get("input_tokens_details") or {}
    parts = [f"{k.removesuffix('_tokens')} {v}" for k, v in details.items() if isinstance(v, int)]
    split = f" ({', '.join(parts)})" if parts else ""
    return f"{counts[0]} input{split} + {counts[1]} output = {counts[2]} tokens"


@dataclass(frozen=True)
class ImageItem:
    index: int
    data: bytes | None  # decoded b64_json
    url: str | None
    revised_prompt: str | None

    @property
    def transparent(self) -> bool | None:
        """Whether the decoded image has transparent pixels (None: no bytes, or unreadable)."""
        return has_transparency(self.data) if self.data is not None else None

    def describe(self) -> str:
        if self.data is not None:
            fmt, width, height = image_info(self.data)
            size = f" {width}x{height}" if width and height else ""
            alpha = ", transparent background" if self.transparent else ""
            return f"image {self.index}: {fmt}{size}{alpha}, {len(self.data) / 1024:.1f} kB (b64_json)"
        return f"image {self.index}: url {self.url}" if self.url else f"image {self.index}: no data"

    def to_html(self) -> str:
        style = "max-width:100%;max-height:512px;border-radius:4px;display:block;margin:4px 0"
        src: str | None = None
        if self.data is not None:
            fmt = image_info(self.data)[0]
            mime = f"image/{fmt}" if fmt != "unknown" else "image/png"
            src = f"data:{mime};base64,{base64.b64encode(self.data).decode('ascii')}"
            if self.transparent:
                style += f";{CHECKERBOARD}"
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


ECHOED_SETTINGS = ("output_format", "background", "quality", "size")


@dataclass(frozen=True, repr=False)
class ImagesView(View):
    images: tuple[ImageItem, ...]
    created: int | None = None
    filter_report: FilterReport | None = None
    request_id: str | None = None
    usage: Any = None
    settings: tuple[tuple[str, str], ...] = ()  # (name, value) the service echoed: output_format, size ...

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
            usage=data.get("usage"),
            settings=tuple(
                (key, str(data[key])) for key in ECHOED_SETTINGS if data.get(key) not in (None, "")
            ),
        )

    def _footer(self) -> list[str]:
        """The echoed settings and the token usage, one line each (empty for dall-e-3 responses)."""
        lines = []
        if self.settings:
            lines.append(" · ".join(f"{key}: {value}" for key, value in self.settings))
        usage = image_usage(self.usage)
        if usage:
            lines.append(f"usage: {usage}")
        return lines

    def __repr__(self) -> str:
        return f"<ImagesView {h.plural(len(self.images), 'image')}>"

    def to_text(self) -> str:
        lines = []
        for item in self.images:
            lines.append(item.describe())
            if item.revised_prompt:
                lines.append(f"  revised prompt: {item.revised_prompt}")
        lines += self._footer()
        report = self.filter_report
        if report is not None and report.results:
            lines.append(f"filters: {report.status}" + (f" ({report.summary()})" if report.summary() else ""))
        if self.request_id:
            lines.append(f"request id: {self.request_id}")
        return "\n".join(lines) or "images: none returned"

    def to_html(self) -> str:
        parts = [item.to_html() for item in self.images] or [h.line(h.esc("images: none returned"))]
        parts += [h.line(h.esc(line), muted=True) for line in self._footer()]
        report = self.filter_report
        if report is not None and report.results:
            parts.append(report.inline_html())
        if self.request_id:
            parts.append(h.line(h.esc(f"request id: {self.request_id}"), muted=True))
        return h.box(*parts)
