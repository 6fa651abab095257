"""gpt-image models through the SDK: base64 only, sizes, formats, transparency, usage, edits and streams."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx2
import numpy as np
import openai
import pytest
from PIL import Image

from tests.fixtures import sdk_client

MODEL = "gpt-image-1-mini"
V = {"api-version": "2025-04-01-preview"}


@pytest.fixture
def preview(emulator: Any) -> Any:
    with openai.AzureOpenAI(
        azure_endpoint=emulator.url, api_key=emulator.api_key, api_version="2025-04-01-preview", max_retries=0
    ) as c:
        yield c


def _picture(b64: str | None) -> Image.Image:
    assert b64
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def _error(exc: pytest.ExceptionInfo[openai.BadRequestError]) -> dict[str, Any]:
    assert exc.value.status_code == 400
    return dict(exc.value.response.json()["error"])


def test_generation_is_base64_with_usage_and_echoed_settings(
    preview: openai.AzureOpenAI, spec_2024: Any
) -> None:
    raw = preview.images.with_raw_response.generate(model=MODEL, prompt="a red fox in snow", size="1536x1024")
    result = raw.parse()
    assert result.data is not None and len(result.data) == 1
    image = result.data[0]
    assert image.url is None and image.revised_prompt is None
    picture = _picture(image.b64_json)
    assert (picture.format, picture.size, picture.mode) == ("PNG", (1536, 1024), "RGB")
    assert "placeholder" in picture.info["Description"]
    assert "placeholder" in raw.headers["x-aoai-nb-placeholder"]
    assert (result.background, result.output_format, result.quality, result.size) == (
        "opaque",
        "png",
        "medium",  # gpt-image-1-mini's default quality
        "1536x1024",
    )
    usage = result.usage
    assert usage is not None and usage.output_tokens == 1568  # medium 1536x1024, OpenAI's table
    assert usage.input_tokens_details.image_tokens == 0 and usage.input_tokens_details.text_tokens > 0
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    spec_2024.validate_component(raw.http_response.json(), "generateImagesResponse")


def test_transparent_png_has_a_real_alpha_channel(preview: openai.AzureOpenAI) -> None:
    result = preview.images.generate(model=MODEL, prompt="a logo", background="transparent", quality="low")
    assert result.data is not None and result.background == "transparent"
    picture = _picture(result.data[0].b64_json)
    assert picture.mode == "RGBA"
    alpha = np.asarray(picture.getchannel("A"))
    assert alpha[0, 0] == 0 and alpha[512, 512] == 255  # transparent corners, opaque middle
    assert result.usage is not None and result.usage.output_tokens == 272


def test_jpeg_output_with_compression(preview: openai.AzureOpenAI) -> None:
    small = preview.images.generate(
        model=MODEL, prompt="a beach", output_format="jpeg", output_compression=10, n=2
    )
    large = preview.images.generate(
        model=MODEL, prompt="a beach", output_format="jpeg", output_compression=95
    )
    assert small.data is not None and large.data is not None and len(small.data) == 2
    assert small.data[0].b64_json != small.data[1].b64_json  # n pictures differ
    assert _picture(small.data[0].b64_json).format == "JPEG"
    assert len(small.data[0].b64_json or "") < len(large.data[0].b64_json or "")
    assert small.usage is not None and small.usage.output_tokens == 2 * 1056


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"response_format": "url"},
            {
                "message": "Unknown parameter: 'response_format'.",
                "param": "response_format",
                "code": "unknown_parameter",
            },
        ),
        (
            {"style": "vivid"},
            {"message": "Unknown parameter: 'style'.", "param": "style", "code": "unknown_parameter"},
        ),
        (
            {"size": "1792x1024"},
            {
                "message": "Invalid value: '1792x1024'. Supported values are: 'auto', '1024x1024', '1024x1536', "
                "and '1536x1024'.",
                "param": "size",
                "code": "invalid_value",
            },
        ),
        (
            {"quality": "hd"},
            {
                "message": "Invalid value: 'hd'. Supported values are: 'low', 'medium', 'high', and 'auto'.",
                "param": "quality",
                "code": "invalid_value",
            },
        ),
        (
            {"output_format": "webp"},
            {
                "message": "Invalid value: 'webp'. Supported values are: 'png' and 'jpeg'.",
                "param": "output_format",
                "code": "invalid_value",
            },
        ),
        (
            {"background": "transparent", "output_format": "jpeg"},
            {
                "message": "Invalid value: 'transparent'. A transparent background needs output_format 'png', "
                "not 'jpeg'.",
                "param": "background",
                "code": "invalid_value",
            },
        ),
        (
            {"moderation": "strict"},
            {
                "message": "Invalid value: 'strict'. Supported values are: 'low' and 'auto'.",
                "param": "moderation",
                "code": "invalid_value",
            },
        ),
        (
            {"n": 11},
            {
                "message": "Invalid value for 'n': 11; it must be between 1 and 10.",
                "param": "n",
                "code": "integer_above_max_value",
            },
        ),
    ],
)
def test_parameter_errors(
    preview: openai.AzureOpenAI, kwargs: dict[str, Any], expected: dict[str, Any]
) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        preview.images.generate(model=MODEL, prompt="a fox", **kwargs)
    assert _error(exc) == {**expected, "type": "invalid_request_error"}


def test_moderation_low_is_accepted(preview: openai.AzureOpenAI) -> None:
    assert preview.images.generate(model=MODEL, prompt="a fox", moderation="low").data


def test_dall_e_3_keeps_its_old_behaviour(preview: openai.AzureOpenAI) -> None:
    result = preview.images.generate(
        model="dall-e-3", prompt="a fox", size="1792x1024", style="natural", quality="hd"
    )
    assert result.data is not None and result.data[0].url and result.data[0].revised_prompt
    assert result.usage is None


def _png(size: tuple[int, int], colour: tuple[int, ...], mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_edit_blends_the_input_image(preview: openai.AzureOpenAI) -> None:
    green = _png((512, 512), (0, 255, 0))
    result = preview.images.edit(
        model=MODEL, image=("green.png", green), prompt="add a hat", size="1024x1024"
    )
    assert result.data is not None
    picture = np.asarray(_picture(result.data[0].b64_json).convert("RGB"), dtype=np.float32)
    art = np.asarray(
        _picture(preview.images.generate(model=MODEL, prompt="add a hat").data[0].b64_json).convert("RGB"),  # type: ignore[index]
        dtype=np.float32,
    )
    # 55 % of every pixel is the green input: the green channel dominates, unlike the art alone
    assert picture[..., 1].mean() > art[..., 1].mean() + 60
    assert result.usage is not None and result.usage.input_tokens_details.image_tokens > 0


def test_edit_with_mask_changes_only_the_transparent_area(preview: openai.AzureOpenAI) -> None:
    blue = _png((256, 256), (0, 0, 255))
    mask = Image.new("RGBA", (256, 256), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 128, 256))  # left half: edit here
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    result = preview.images.edit(
        model=MODEL,
        image=[("blue.png", blue), ("blue2.png", blue)],  # sent as image[] parts
        mask=("mask.png", buffer.getvalue()),
        prompt="a sunset on the left",
        quality="low",
    )
    assert result.data is not None
    picture = np.asarray(_picture(result.data[0].b64_json).convert("RGB"))
    right = picture[:, 700:]
    assert (right[..., 2] == 255).all() and (right[..., :2] == 0).all()  # untouched input
    assert not (picture[:, :300, 2] == 255).all()  # the art replaced the masked half


def test_edit_errors(preview: openai.AzureOpenAI, raw: httpx2.Client) -> None:
    with pytest.raises(openai.BadRequestError) as exc:
        preview.images.edit(model=MODEL, image=("x.png", b"not an image"), prompt="x")
    assert _error(exc) == {
        "message": "Invalid image: the 'image' part is not a PNG, JPEG or WEBP image.",
        "type": "invalid_request_error",
        "param": "image",
        "code": "invalid_image_format",
    }
    with pytest.raises(openai.BadRequestError) as exc:
        preview.images.edit(
            model=MODEL, image=("a.png", _png((64, 64), (1, 2, 3))), prompt="x", input_fidelity="high"
        )
    assert (
        _error(exc)["message"] == "Unsupported parameter: 'input_fidelity' is not supported with this model."
    )
    with pytest.raises(openai.BadRequestError) as exc:
        preview.images.edit(
            model=MODEL,
            image=("a.png", _png((64, 64), (1, 2, 3))),
            prompt="x",
            mask=("m.png", _png((64, 64), (0, 0, 0))),
        )
    assert _error(exc)["code"] == "invalid_image_mode"
    with pytest.raises(openai.BadRequestError) as exc:
        preview.images.edit(model="dall-e-3", image=("a.png", _png((64, 64), (1, 2, 3))), prompt="x")
    assert _error(exc)["code"] == "OperationNotSupported"
    missing = raw.post(f"/openai/deployments/{MODEL}/images/edits", params=V, files={"prompt": (None, "x")})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "image"


def test_v1_generation_and_edit(v1: openai.OpenAI) -> None:
    assert v1.images.generate(model=MODEL, prompt="a fox").data
    edited = v1.images.edit(model=MODEL, image=("a.png", _png((64, 64), (9, 9, 9))), prompt="brighter")
    assert edited.data and edited.data[0].b64_json


def test_stream_sends_partial_images_then_completed(preview: openai.AzureOpenAI) -> None:
    events = list(
        preview.images.generate(model=MODEL, prompt="a fox", stream=True, partial_images=2, quality="low")
    )
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert [getattr(e, "partial_image_index", None) for e in events] == [0, 1, None]
    final = events[-1]
    assert final.type == "image_generation.completed"
    assert (final.size, final.quality, final.output_format, final.background) == (
        "1024x1024",
        "low",
        "png",
        "opaque",
    )
    assert final.usage.output_tokens == 272
    sharp = np.asarray(_picture(final.b64_json).convert("L"), dtype=np.float32)
    blurred = np.asarray(_picture(events[0].b64_json).convert("L"), dtype=np.float32)
    assert np.abs(np.diff(sharp, axis=1)).mean() > np.abs(np.diff(blurred, axis=1)).mean()


def test_edit_stream_events(preview: openai.AzureOpenAI) -> None:
    events = list(
        preview.images.edit(
            model=MODEL, image=("a.png", _png((64, 64), (9, 9, 9))), prompt="x", stream=True, partial_images=1
        )
    )
    assert [e.type for e in events] == ["image_edit.partial_image", "image_edit.completed"]


def test_gpt_image_2_takes_flexible_sizes(make_emulator: Any, tmp_path: Any) -> None:
    path = tmp_path / "emu.yaml"
    path.write_text("deployments: [{name: img2, capability: images, model: gpt-image-2}]\n")
    emu = make_emulator(config=path)
    with sdk_client(emu, "2025-04-01-preview") as c:
        result = c.images.generate(model="img2", prompt="wide", size="1280x720", quality="low")
        assert result.data is not None and _picture(result.data[0].b64_json).size == (1280, 720)
        with pytest.raises(openai.BadRequestError) as exc:
            c.images.generate(model="img2", prompt="odd", size="1000x720")
        assert _error(exc)["message"] == "Invalid value: '1000x720'. Both edges must be multiples of 16."
