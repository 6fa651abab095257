"""POST embeddings: float or base64 vectors, optional dimensions, up to 2048 inputs."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
from starlette.responses import Response

from aoai_nb.emulator import model_rules as rules
from aoai_nb.emulator import params as p
from aoai_nb.emulator.engines.base import EmbeddingResult
from aoai_nb.emulator.faults import estimate_tokens
from aoai_nb.emulator.runtime import Call, Runtime, json_response
from aoai_nb.emulator.wire import invalid_request

EMBEDDING_PARAMS = {"model", "input", "encoding_format", "dimensions", "user", "input_type"}
MAX_INPUTS = 2048
MAX_INPUT_TOKENS = 8191  # per input, as Azure's text-embedding models; estimated at 4 characters a token


async def embeddings(rt: Runtime, call: Call) -> Response:
    body = call.body
    p.reject_unknown(body, EMBEDDING_PARAMS)
    rules.check_rejected(call.deployment.info, body)  # text-embedding-ada-002: no dimensions
    texts = p.texts_or_tokens(p.required(body, "input"), "input")
    if len(texts) > MAX_INPUTS:
        raise invalid_request(
            f"Too many inputs: {len(texts)} given, the maximum is {MAX_INPUTS}; split the list into batches.",
            param="input",
            code="array_above_max_length",
        )
    for i, text in enumerate(texts):
        if not text:
            raise invalid_request(
                f"Invalid value for 'input[{i}]': an empty string; every input needs text.",
                param="input",
                code="invalid_value",
            )
        tokens = math.ceil(len(text) / 4)
        if tokens > MAX_INPUT_TOKENS:
            raise invalid_request(
                f"This model's maximum context length is {MAX_INPUT_TOKENS + 1} tokens, however you requested "
                f"{tokens} tokens in input[{i}]. Please reduce the input or split it into chunks.",
                param="input",
                code="context_length_exceeded",
            )
    encoding = p.string(body, "encoding_format", "float", choices=("float", "base64"))
    p.string(body, "user")
    p.string(body, "input_type")
    engine = call.engines.embedding
    dimensions = p.integer(body, "dimensions", None, 1)
    if dimensions is not None and dimensions > engine.native_dimensions:
        raise invalid_request(
            f"Invalid value for 'dimensions': {dimensions}; this deployment's model "
            f"({engine.name}) has {engine.native_dimensions} dimensions, the maximum.",
            param="dimensions",
            code="integer_above_max_value",
        )
    rt.charge(call, estimate_tokens(texts))
    await rt.before_output(call)
    result = await rt.run(engine, engine.embed, texts, dimensions, call=call)
    heavy = len(texts) * engine.native_dimensions > HEAVY_VALUES
    return await rt.build(heavy, _reply, call, result, encoding == "base64", heavy)


HEAVY_VALUES = 64 * 1024  # vector values above this are encoded off the event loop


def _reply(call: Call, result: EmbeddingResult, base64_encoded: bool, big: bool) -> Response:
    """The JSON answer (a 2048 x 1536 float list takes seconds to encode: a worker thread does it)."""
    vectors = np.asarray(result.vectors, dtype="<f4")
    data: list[dict[str, Any]] = []
    for index, row in enumerate(vectors):
        embedding: Any = base64.b64encode(row.tobytes()).decode("ascii") if base64_encoded else row.tolist()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    usage = {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}
    body = {"object": "list", "data": data, "model": call.deployment.model, "usage": usage}
    return json_response(call, body, big=big)
