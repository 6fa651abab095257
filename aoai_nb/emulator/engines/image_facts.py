"""What can be computed about an image without seeing it: size, format and dominant colour (Pillow)."""

from __future__ import annotations

import io

import numpy as np

from aoai_nb.emulator.engines.base import ImageInput

_NAMED_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0), "white": (255, 255, 255), "grey": (128, 128, 128), "red": (220, 30, 30),
    "orange": (245, 140, 20), "yellow": (240, 220, 40), "green": (40, 160, 60), "teal": (20, 150, 150),
    "blue": (40, 80, 220), "sky blue": (120, 190, 240), "purple": (130, 50, 170), "pink": (240, 130, 180),
    "brown": (130, 80, 40), "beige": (225, 205, 170), "navy": (20, 30, 90), "dark green": (20, 80, 30),
}  # fmt: skip


def describe_image(image: ImageInput) -> str:
    """A sentence such as ``"a 640x480 PNG image whose dominant colour is #1f4fd8 (blue)"``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(image.data)) as img:
            fmt = img.format or image.media_type
            width, height = img.size
            rgb = img.convert("RGB")
            rgb.thumbnail((96, 96))
            pixels = np.asarray(rgb, dtype=np.uint8).reshape(-1, 3)
    except (UnidentifiedImageError, OSError, ValueError):
        return f"an image ({image.media_type}, {len(image.data)} bytes) that could not be decoded"
    colour = dominant_colour(pixels)
    hex_code = "#{:02x}{:02x}{:02x}".format(*colour)
    return f"a {width}x{height} {fmt} image whose dominant colour is {hex_code} ({colour_name(colour)})"


def dominant_colour(pixels: np.ndarray) -> tuple[int, int, int]:
    """Mean colour of the most populated bin when each channel is cut into 4 levels."""
    bins = (pixels >> 6).astype(np.int64)
    keys = bins[:, 0] * 16 + bins[:, 1] * 4 + bins[:, 2]
    top = np.bincount(keys, minlength=64).argmax()
    mean = pixels[keys == top].mean(axis=0)
    return int(round(mean[0])), int(round(mean[1])), int(round(mean[2]))


def colour_name(colour: tuple[int, int, int]) -> str:
    target = np.array(colour, dtype=np.float64)
    return min(_NAMED_COLOURS, key=lambda n: float(np.sum((np.array(_NAMED_COLOURS[n]) - target) ** 2)))
