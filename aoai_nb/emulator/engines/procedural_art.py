"""Procedural placeholder art for image generation: no model, just seeded gradients and shapes.

``render_art`` paints a sky gradient, a glowing sun with a few small orbs and layered ridges with haze, whose
colours and shapes come from a hash of (prompt, size, quality, style). ``style="vivid"`` uses saturated hues, ``"natural"`` muted
earth and sky tones; ``quality="hd"`` paints at a finer working resolution and adds stars, sun rays, more orbs
and finer ridge detail. The picture is painted as a numpy array of at most 340k pixels (480k for hd), then resized to
exactly the requested size and encoded as PNG.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
from typing import Any

import numpy as np
import numpy.typing as npt

from aoai_nb.emulator.engines.base import ImageRequest, ImageResult

WORK_PIXELS = 340_000  # painting resolution budget (then resized), keeps 1792x1024 well under 0.3 s
WORK_PIXELS_HD = 480_000
Canvas = npt.NDArray[np.float32]  # (height, width, 3) floats in [0, 1]


def art_seed(request: ImageRequest) -> int:
    key = "\x1f".join(
        [request.prompt, str(request.width), str(request.height), request.quality, request.style]
    )
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def _hsv(hue: float, saturation: float, value: float) -> npt.NDArray[np.float32]:
    return np.array(
        colorsys.hsv_to_rgb(hue % 1.0, min(max(saturation, 0), 1), min(max(value, 0), 1)), np.float32
    )


def palette(rng: np.random.Generator, style: str) -> dict[str, npt.NDArray[np.float32]]:
    """Named colours for one picture: sky (top, horizon), sun, and near/far land."""
    if style == "natural":
        sky = 0.55 + rng.normal(0, 0.03)
        land = float(rng.choice([0.09, 0.16, 0.28, 0.33]))
        return {
            "top": _hsv(sky, 0.45, 0.78),
            "horizon": _hsv(0.08 + rng.normal(0, 0.02), 0.22, 0.96),
            "sun": _hsv(0.13, 0.25, 1.0),
            "accent": _hsv(sky + 0.05, 0.15, 0.95),
            "near": _hsv(land, 0.45, 0.3),
            "far": _hsv(land + 0.03, 0.3, 0.6),
        }
    base = rng.random()
    turn = float(rng.choice([0.08, 0.12, -0.1, 0.5]))
    return {
        "top": _hsv(base, 0.85, 0.45),
        "horizon": _hsv(base + turn, 0.75, 1.0),
        "sun": _hsv(base + turn + 0.05, 0.35, 1.0),
        "accent": _hsv(base + 0.5, 0.7, 1.0),
        "near": _hsv(base - turn, 0.9, 0.22),
        "far": _hsv(base - turn * 0.5, 0.8, 0.65),
    }


def _blend(canvas: Canvas, colour: npt.NDArray[np.float32], alpha: npt.NDArray[np.floating[Any]]) -> None:
    canvas += (colour - canvas) * alpha[..., None]


def _box(centre: float, half: float, size: int) -> slice:
    """Pixel rows (or columns) covering centre +- half, in unit coordinates."""
    return slice(max(0, int((centre - half) * size)), min(size, int((centre + half) * size) + 2))


def paint(width: int, height: int, rng: np.random.Generator, style: str, hd: bool) -> Canvas:
    """The picture as floats, at (height, width): sky, sun and orbs, layered ridges, then detail."""
    c = palette(rng, style)
    u = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    v = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    aspect = width / height
    horizon = np.float32(rng.uniform(0.55, 0.72))

    t = np.clip(v / horizon, 0, 1) ** 1.4 + 0 * u
    canvas: Canvas = c["top"] + (c["horizon"] - c["top"]) * t[..., None]

    sun_x, sun_y, sun_r = rng.uniform(0.2, 0.8), rng.uniform(0.2, horizon - 0.1), rng.uniform(0.05, 0.11)
    distance = np.sqrt(((u - sun_x) * aspect) ** 2 + (v - sun_y) ** 2)
    _blend(canvas, c["sun"], np.exp(-distance / (sun_r * 2.5)) * 0.55)
    _blend(canvas, c["sun"], np.clip((sun_r - distance) * height / 2, 0, 1))
    for _ in range(int(rng.integers(1, 4)) + (2 if hd else 0)):
        ox, oy, radius = rng.uniform(0.05, 0.95), rng.uniform(0.05, horizon - 0.15), rng.uniform(0.01, 0.04)
        rows, cols = _box(oy, radius * 1.2, height), _box(ox, radius * 1.2 / aspect, width)
        orb = np.sqrt(((u[:, cols] - ox) * aspect) ** 2 + (v[rows] - oy) ** 2)
        _blend(canvas[rows, cols], c["accent"], np.clip((radius - orb) * height / 2, 0, 1) * 0.8)

    if hd:
        angle = np.arctan2(v - sun_y, (u - sun_x) * aspect)
        rays = (0.5 + 0.5 * np.cos(angle * 18)) ** 6 * np.exp(-distance * 2.5)
        _blend(canvas, c["sun"], rays * np.float32(0.25))

    layers = int(rng.integers(3, 5)) + (1 if hd else 0)
    for k in range(layers):
        depth = k / max(layers - 1, 1)  # 0 far .. 1 near
        ridge = horizon - 0.12 * (1 - depth) + 0.28 * depth * depth
        for octave in range(4 if hd else 3):
            amplitude = rng.uniform(0.03, 0.08) * (1 - 0.35 * depth) / (octave + 1) ** 1.3
            frequency = rng.uniform(0.8, 2.5) * 2**octave
            ridge = ridge + amplitude * np.sin(2 * np.pi * (frequency * u + rng.random()))
        inside = np.clip((v - ridge) * height / 2.5, 0, 1)
        shade = c["far"] + (c["near"] - c["far"]) * depth
        shade = shade + (c["horizon"] - shade) * 0.35 * (1 - depth)  # haze on distant ridges
        fade = np.clip((v - ridge) * 3, 0, 0.25)  # ridges darken downwards
        colour = shade[None, None, :] * (1 - fade[..., None])
        canvas += (colour - canvas) * inside[..., None]

    if hd:
        count = int(width * height * horizon * 0.7 / 1200)
        star_y = (rng.random(count) * horizon * 0.7 * (height - 1)).astype(np.intp)
        star_x = (rng.random(count) * (width - 1)).astype(np.intp)
        brightness = rng.uniform(0.4, 0.9, (count, 1)).astype(np.float32)
        canvas[star_y, star_x] += (1 - canvas[star_y, star_x]) * brightness

    vignette = 1 - 0.3 * (((u - 0.5) * 1.3) ** 2 + ((v - 0.5) * 1.3) ** 2)
    canvas *= vignette[..., None]
    return np.clip(canvas, 0, 1).astype(np.float32)


def render_art(request: ImageRequest) -> bytes:
    """PNG bytes of exactly ``request.width`` x ``request.height``, deterministic for the request's fields."""
    from PIL import Image

    if request.width < 1 or request.height < 1:
        raise ValueError(f"Image size must be positive, got {request.width}x{request.height}.")
    hd = request.quality == "hd"
    budget = WORK_PIXELS_HD if hd else WORK_PIXELS
    scale = min(1.0, (budget / (request.width * request.height)) ** 0.5)
    work_w, work_h = max(1, round(request.width * scale)), max(1, round(request.height * scale))
    rng = np.random.default_rng(art_seed(request))
    canvas = paint(work_w, work_h, rng, request.style, hd)
    image = Image.fromarray((canvas * 255 + 0.5).astype(np.uint8), mode="RGB")
    if image.size != (request.width, request.height):
        image = image.resize((request.width, request.height), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=3)
    return buffer.getvalue()


PLACEHOLDER_PREFIX = "[emulator placeholder art: procedural image, no text-to-image model]"


class ProceduralImageEngine:
    """Deterministic placeholder art (no PyPI package carries a text-to-image model), labelled in
    ``revised_prompt``. Both engine families serve images with it, under their own ``name``."""

    instant = False  # painting a 1792x1024 canvas takes tens of milliseconds: run it off the event loop

    def __init__(self, name: str = "procedural") -> None:
        self.name = name

    def generate(self, request: ImageRequest) -> ImageResult:
        return ImageResult(png=render_art(request), revised_prompt=f"{PLACEHOLDER_PREFIX} {request.prompt}")
