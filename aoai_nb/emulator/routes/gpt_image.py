"""POST images/generations for gpt-image models, and POST images/edits (multipart), with their rules.

GPT-image answers are base64 only (``response_format`` is a 400), with ``size``/``quality``/``output_format``/
``output_compression``/``background``/``moderation`` checked against the catalog, ``usage`` tokens in the body,
and ``stream`` + ``partial_images`` as ``image_generation.*`` (or ``image_edit.*``) SSE events (§4 of
azure-openai-2026.md). The pictures are the engines' procedural placeholder art (see image_output).
"""

from __future__ import annotations

import base64
import time
from typing import Any

from starlette.responses import Response

from aoai_nb.emulator import image_output
from aoai_nb.emulator import model_rules as rules
from aoai_nb.emulator import params as p
from aoai_nb.emulator.engines.base import ImageRequest
from aoai_nb.emulator.event_streams import event_stream
from aoai_nb.emulator.routes import image_screen
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.wire import invalid_request, operation_not_supported
from aoai_nb.models import ModelInfo

COMMON = {
    "model",
    "prompt",
    "n",
    "size",
    "quality",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "stream",
    "partial_images",
    "user",
    "safety_identifier",
    # rejected per model (catalog rejected_params), so they get the model's error, not "unrecognized"
    "response_format",
    "style",
    "input_fidelity",
}
EDIT_ONLY = {"input_fidelity"}
PLACEHOLDER_HEADER = "x-aoai-nb-placeholder"


def is_gpt_image(info: ModelInfo) -> bool:
    return info.family == "images" and info.name.startswith("gpt-image")


class _Options:
    """The checked parameters of one generation or edit."""

    def __init__(self, info: ModelInfo, body: dict[str, Any], edit: bool) -> None:
        p.reject_unknown(body, COMMON)
        for param in ("response_format", "style", *(() if edit else EDIT_ONLY)):
            if body.get(param) is not None:  # no gpt-image model knows them (§4.2; edits-only fields)
                raise rules.unknown_parameter(param)
        rules.check_rejected(info, body)  # e.g. input_fidelity on gpt-image-1-mini
        p.required(body, "prompt")
        self.prompt = p.string(body, "prompt", max_length=int(info.limits["prompt_chars"])) or ""
        if not self.prompt.strip():
            raise invalid_request(
                "Invalid value for 'prompt': it is empty; describe the image.", param="prompt"
            )
        self.n = p.form_integer(body, "n", 1, 1, int(info.limits["n_max"])) or 1
        self.width, self.height = rules.image_size(info, body.get("size"))
        quality = rules.check_choice(info, "quality", body.get("quality")) or "auto"
        default = "medium" if info.name == "gpt-image-1-mini" else "high"  # IMG / IMG-1
        self.quality = default if quality == "auto" else quality
        self.output_format = rules.check_choice(info, "output_format", body.get("output_format")) or "png"
        compression = p.form_integer(body, "output_compression", 100, 0, 100)
        self.compression = 100 if compression is None else compression
        background = rules.check_choice(info, "background", body.get("background")) or "auto"
        if background == "transparent" and self.output_format != "png":
            raise invalid_request(
                f"Invalid value: 'transparent'. A transparent background needs output_format 'png', not "
                f"'{self.output_format}'.",
                param="background",
                code="invalid_value",
            )
        self.background = "opaque" if background == "auto" else background
        rules.check_choice(info, "moderation", body.get("moderation"))
        if edit and body.get("input_fidelity") is not None:
            p.string(body, "input_fidelity", choices=("high", "low"))
        self.stream = p.form_boolean(body, "stream")
        self.partial_images = (
            p.form_integer(body, "partial_images", 0, 0, int(info.limits["partial_images_max"])) or 0
        )
        p.string(body, "user")
        p.string(body, "safety_identifier")

    def echo(self) -> dict[str, Any]:
        """The fields a gpt-image answer repeats (SDK ImagesResponse)."""
        return {
            "background": self.background,
            "output_format": self.output_format,
            "quality": self.quality,
            "size": f"{self.width}x{self.height}",
        }


async def _answer(
    rt: Runtime, call: Call, opts: _Options, inputs: list[Any], mask: Any, kind: str
) -> Response:
    annotation = await image_screen.screen(rt, call, opts.prompt)
    await rt.before_output(call)
    engine = call.engines.image
    # the art's detail level follows quality; the colours and shapes follow the prompt (procedural_art)
    request = ImageRequest(
        prompt=opts.prompt,
        width=opts.width,
        height=opts.height,
        quality="hd" if opts.quality == "high" else "standard",
        style="vivid",
    )

    def paint() -> list[tuple[bytes, list[bytes]]]:
        from PIL import Image

        out = []
        for k in range(opts.n):
            art = engine.generate(request if k == 0 else _variant(request, k)).png
            picture = image_output.edit_art(art, inputs, mask) if inputs else Image.open(_bytes(art))
            transparent = opts.background == "transparent"
            final = image_output.encode(picture, opts.output_format, opts.compression, transparent)
            steps = [
                image_output.encode(step, opts.output_format, opts.compression, transparent)
                for step in image_output.partials(picture, opts.partial_images if opts.stream else 0)
            ]
            out.append((final, steps))
        return out

    results = await rt.run(engine, paint)
    usage = image_output.usage(opts.prompt, opts.quality, opts.width, opts.height, opts.n, inputs)
    call.headers[PLACEHOLDER_HEADER] = image_output.PLACEHOLDER_NOTE
    created = int(time.time())
    if opts.stream:
        events: list[dict[str, Any]] = []
        for final, steps in results:
            for index, step in enumerate(steps):
                events.append(
                    {
                        "type": f"{kind}.partial_image",
                        "b64_json": _b64(step),
                        "partial_image_index": index,
                        "created_at": created,
                        **opts.echo(),
                    }
                )
            events.append(
                {
                    "type": f"{kind}.completed",
                    "b64_json": _b64(final),
                    "created_at": created,
                    **opts.echo(),
                    "usage": usage,
                }
            )
        return event_stream(call, events)
    data = [
        {
            "b64_json": _b64(final),
            **image_screen.filter_results(call, annotation),
        }
        for final, _ in results
    ]
    return json_response(call, {"created": created, "data": data, **opts.echo(), "usage": usage})


def _variant(request: ImageRequest, k: int) -> ImageRequest:
    """The k-th of n pictures: the same prompt with a numbered suffix, so each differs."""
    return ImageRequest(
        request.prompt + f" #{k + 1}", request.width, request.height, request.quality, request.style
    )


def _bytes(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


async def generate(rt: Runtime, call: Call) -> Response:
    """images/generations on a gpt-image deployment."""
    opts = _Options(call.deployment.info, call.body, edit=False)
    rt.charge(call, 0)
    return await _answer(rt, call, opts, [], None, "image_generation")


async def edits(rt: Runtime, call: Call) -> Response:
    """images/edits: gpt-image models only (dall-e-3 on Azure generates, it does not edit)."""
    info = call.deployment.info
    if not is_gpt_image(info):
        raise operation_not_supported("imageEdit", call.deployment.model)
    opts = _Options(info, call.body, edit=True)
    inputs = [image_output.open_upload(u.data, "image") for u in call.images]
    mask = image_output.open_upload(call.mask.data, "mask") if call.mask is not None else None
    rt.charge(call, 0)
    return await _answer(rt, call, opts, inputs, mask, "image_edit")
