"""Procedural placeholder art and the scripted image engine."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aoai_nb.emulator.engines.base import ImageRequest
from aoai_nb.emulator.engines.procedural_art import render_art
from aoai_nb.emulator.engines.scripted import ScriptedImageEngine


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


@pytest.mark.parametrize(
    ("width", "height"), [(1024, 1024), (1792, 1024), (1024, 1792), (256, 256), (512, 512)]
)
def test_exact_size_rgb_png(width: int, height: int) -> None:
    image = decode(render_art(ImageRequest("a lighthouse", width, height)))
    assert (image.format, image.mode, image.size) == ("PNG", "RGB", (width, height))


def test_deterministic_per_request_and_different_across_prompts() -> None:
    request = ImageRequest("a lighthouse at dusk", 256, 256, "hd", "natural")
    assert render_art(request) == render_art(request)
    assert render_art(request) != render_art(ImageRequest("a fox in snow", 256, 256, "hd", "natural"))


def test_not_a_flat_picture() -> None:
    pixels = np.asarray(decode(render_art(ImageRequest("anything", 256, 256))))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 500
    assert pixels.std() > 20


def _saturation(png: bytes) -> float:
    hsv = np.asarray(decode(png).convert("HSV"), dtype=np.float64)
    return float(hsv[..., 1].mean())


def test_vivid_is_more_saturated_than_natural() -> None:
    prompts = ["a cat", "a city", "the sea", "mountains", "a robot"]
    vivid = [_saturation(render_art(ImageRequest(p, 128, 128, style="vivid"))) for p in prompts]
    natural = [_saturation(render_art(ImageRequest(p, 128, 128, style="natural"))) for p in prompts]
    assert min(vivid) > max(natural)


def test_hd_adds_detail() -> None:
    standard = render_art(ImageRequest("stars", 512, 512, "standard"))
    hd = render_art(ImageRequest("stars", 512, 512, "hd"))
    assert standard != hd
    edges = [
        np.abs(np.diff(np.asarray(decode(p).convert("L"), dtype=np.float64), axis=1)).mean()
        for p in (standard, hd)
    ]
    assert edges[1] > edges[0]


def test_engine_labels_the_revised_prompt() -> None:
    result = ScriptedImageEngine().generate(ImageRequest("a red bicycle", 256, 256))
    assert result.revised_prompt == (
        "[emulator placeholder art: procedural image, no text-to-image model] a red bicycle"
    )
    assert decode(result.png).size == (256, 256)


def test_non_positive_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="positive"):
        render_art(ImageRequest("x", 0, 10))
