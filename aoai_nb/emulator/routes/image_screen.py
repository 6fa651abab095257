"""The content filter on an image request, for dall-e-3 (``media``) and gpt-image (``gpt_image``) alike: the
prompt is screened before any picture is made, and each picture of a JSON answer carries the filter results."""

from __future__ import annotations

from typing import Any

from aoai_nb.emulator.runtime import Call, Runtime
from aoai_nb.emulator.wire import (
    Annotation,
    image_filter_results,
    image_output_filtered_error,
    image_prompt_filter_results,
    image_prompt_filtered_error,
)


async def screen(rt: Runtime, call: Call, prompt: str) -> Annotation:
    """The prompt's annotation. A filtered prompt is the images 400 ``content_policy_violation``; a triggered
    output filter is the generated-image 400 (an image has no partial answer to cut)."""
    (annotation,) = await rt.filter.prompts([prompt], call.triggers)
    if annotation.filtered:
        raise image_prompt_filtered_error(annotation)
    if call.triggers.output.filtered:
        raise image_output_filtered_error()
    return annotation


def filter_results(call: Call, annotation: Annotation) -> dict[str, Any]:
    """One picture's ``content_filter_results`` (the output's) and ``prompt_filter_results``."""
    return {
        "content_filter_results": image_filter_results(call.triggers.output),
        "prompt_filter_results": image_prompt_filter_results(annotation),
    }
