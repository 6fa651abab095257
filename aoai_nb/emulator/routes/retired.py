"""APIs Azure OpenAI retired, answered with an error that names the replacement instead of a bare 404."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from aoai_nb.emulator import policy
from aoai_nb.emulator.runtime import Runtime
from aoai_nb.emulator.wire import assistants_retired

# /openai/... and /openai/v1/... forms, every method (the SDK's beta.assistants / beta.threads calls)
ASSISTANTS_PATHS = ("assistants", "assistants/{rest:path}", "threads", "threads/{rest:path}")
ASSISTANTS_METHODS = ["GET", "POST", "DELETE"]


async def assistants(rt: Runtime, request: Request) -> Response:
    """The key is checked first (401 as for any route), then the 410 that names the Responses API."""
    policy.check_auth(request.headers, rt.api_key, rt.auth)
    raise assistants_retired()
