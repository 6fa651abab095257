"""The multipart body of ``POST .../images/edits``: ``image`` or repeated ``image[]`` parts, an optional
``mask`` part and form fields (SDK ``image_edit_params.py``; IMG-2's ``-F "image[]=@beach.png"``)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from aoai_nb.emulator.payloads import MAX_FORM_FIELD_BYTES, Upload, read_body, too_large
from aoai_nb.emulator.wire import invalid_request

MAX_IMAGES = 16  # SDK: up to 16 input images


async def read_image_form(
    request: Request, limit: int, timeout: float | None = None
) -> tuple[dict[str, Any], list[Upload], Upload | None]:
    """Form fields (``x[]`` keys collected as lists), the input images in order, and the mask."""
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise invalid_request(
            "Image edits are multipart/form-data with the picture in an 'image' (or 'image[]') part "
            f"(got {media_type or 'no content type'!r}).",
            param="content-type",
            code="invalid_content_type",
        )
    await read_body(request, limit + MAX_FORM_FIELD_BYTES, "upload", timeout)
    try:
        form = await request.form(max_files=MAX_IMAGES + 1, max_fields=64, max_part_size=MAX_FORM_FIELD_BYTES)
    except Exception as exc:  # Starlette's HTTPException or python-multipart's parse errors
        detail = getattr(exc, "detail", exc)
        raise invalid_request(
            f"The multipart body cannot be parsed: {detail}.", code="invalid_multipart"
        ) from None
    fields: dict[str, Any] = {}
    images: list[Upload] = []
    mask: Upload | None = None
    try:
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                if key not in ("image", "image[]", "mask"):
                    raise invalid_request(
                        f"Unexpected file part {key!r}; 'image', 'image[]' and 'mask' carry files.", param=key
                    )
                data = await value.read()
                if len(data) > limit:
                    raise too_large("image file", limit)
                upload = Upload(value.filename or key, data, value.content_type or "application/octet-stream")
                if key == "mask":
                    if mask is not None:
                        raise invalid_request("The 'mask' part is given more than once.", param="mask")
                    mask = upload
                else:
                    images.append(upload)
            elif key.endswith("[]"):
                fields.setdefault(key[:-2], []).append(value)
            elif key in fields:
                raise invalid_request(f"Form field {key!r} is given more than once.", param=key)
            else:
                fields[key] = value
    finally:
        await form.close()
    if not images:
        raise invalid_request(
            "Missing required parameter: 'image' (the picture to edit).",
            param="image",
            code="missing_required_parameter",
        )
    return fields, images, mask
