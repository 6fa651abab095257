"""The multipart body of ``POST .../images/edits``: ``image`` or repeated ``image[]`` parts, an optional
``mask`` part and form fields (SDK ``image_edit_params.py``; IMG-2's ``-F "image[]=@beach.png"``)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from aoai_nb.emulator import params as p
from aoai_nb.emulator.payloads import (
    MAX_FORM_FIELD_BYTES,
    Upload,
    add_field,
    parse_form,
    read_body,
    require_multipart,
    too_large,
)
from aoai_nb.emulator.wire import invalid_request

MAX_IMAGES = 16  # SDK: up to 16 input images


async def read_image_form(
    request: Request, limit: int, timeout: float | None = None
) -> tuple[dict[str, Any], list[Upload], Upload | None]:
    """Form fields (``x[]`` keys collected as lists), the input images in order, and the mask."""
    require_multipart(
        request, "Image edits are multipart/form-data with the picture in an 'image' (or 'image[]') part"
    )
    await read_body(request, limit + MAX_FORM_FIELD_BYTES, "upload", timeout)
    form = await parse_form(request, max_fields=64, max_files=MAX_IMAGES + 1)
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
            else:
                add_field(fields, key, value)
    finally:
        await form.close()
    if not images:
        raise p.missing("image", "the picture to edit")
    return fields, images, mask
