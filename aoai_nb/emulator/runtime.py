"""The emulator's live state and the checks every API request passes before an engine sees it.

Order (as Azure's gateway): route -> api-version present (404) -> key (401) -> api-version value (400) ->
body size and shape (413/400) -> deployment and capability (404/400) -> injected fault -> rate limit (429) ->
then the route validates its parameters and calls the engine off the event loop (or on it, for engines that
declare ``instant = True``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from anyio.abc import TaskGroup
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from aoai_nb._headers import ENGINE_HEADER
from aoai_nb.emulator import policy
from aoai_nb.emulator.admission import Admission
from aoai_nb.emulator.cancel import Cancel, Cancelled
from aoai_nb.emulator.config import Deployment, EmulatorConfig
from aoai_nb.emulator.engine_errors import azure_engine_errors, engine_unavailable
from aoai_nb.emulator.engines import EngineKind, EngineSet, load_engine_set
from aoai_nb.emulator.engines.base import Engine, EngineUnavailable
from aoai_nb.emulator.faults import (
    FaultInjector,
    RateLimiter,
    header_latency_ms,
    header_retry_after_ms,
    injected_error,
)
from aoai_nb.emulator.file_store import FileStore
from aoai_nb.emulator.image_form import read_image_form
from aoai_nb.emulator.images import ImageStore
from aoai_nb.emulator.lifecycle import lifecycle_headers
from aoai_nb.emulator.payloads import Upload, read_json, read_multipart
from aoai_nb.emulator.responses_store import ResponseStore
from aoai_nb.emulator.safety import ContentFilter, FilterTriggers, parse_filter_header
from aoai_nb.emulator.wire import dumps, dumps_in_pieces, invalid_request

log = logging.getLogger("aoai_nb.emulator")
T = TypeVar("T")
ENGINE_THREADS = 16  # engine calls run in worker threads, at most this many at once (streams: feeds.py)

CAPABILITY_ENGINE: dict[str, str] = {
    "chat": "chat",
    "completions": "completion",
    "embeddings": "embedding",
    "images": "image",
    "transcription": "transcription",
    "speech": "speech",
}
ON_END = "aoai_nb.on_end"  # scope key: callbacks the gateway runs once the response has been sent
MULTIPART_ROUTES = frozenset({"audio/transcriptions", "audio/translations"})


@dataclass
class Stats:
    total: int = 0
    by_route: Counter[str] = field(default_factory=Counter)
    by_deployment: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    abandoned: int = 0  # requests whose client disconnected while an engine worked for them

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_route": dict(self.by_route),
            "by_deployment": dict(self.by_deployment),
            "by_status": dict(self.by_status),
            "abandoned": self.abandoned,
        }


@dataclass
class Call:
    """One API request that passed the gateway checks."""

    request: Request
    route: str
    v1: bool
    api_version: str
    deployment: Deployment
    engines: EngineSet
    body: dict[str, Any]
    upload: Upload | None
    triggers: FilterTriggers
    first_token_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    images: tuple[Upload, ...] = ()  # images/edits: the input pictures, in order
    mask: Upload | None = None  # images/edits: the optional mask

    def engine_name(self) -> str:
        return str(getattr(self.engines, CAPABILITY_ENGINE[self.deployment.capability]).name)


def json_response(call: Call, obj: Any, status: int = 200, big: bool = False) -> Response:
    """``big``: encode in pieces (``dumps_in_pieces``), for replies built off the event loop."""
    data = dumps_in_pieces(obj) if big else dumps(obj)
    return Response(data, status, headers=call.headers, media_type="application/json")


def is_instant(engine: Engine) -> bool:
    """Engines that declare ``instant = True`` answer in microseconds and never block: the HTTP layer calls
    them on the event loop, since a worker-thread hop would cost more than their work. Only a literal True
    counts, and an engine from outside that lacks the attribute is not instant."""
    return getattr(engine, "instant", False) is True


@functools.lru_cache(maxsize=256)
def query_params(query_string: bytes) -> QueryParams:
    """A request's query parameters (immutable), parsed once per distinct query string: API calls repeat the
    same few (``api-version=2024-10-21``)."""
    return QueryParams(query_string)


def runs_inline(engine: Engine | None, heavy: bool = False) -> bool:
    """Whether ``Runtime.run`` calls the work directly on the event loop (an instant engine's, not heavy) -
    where nothing can cancel it midway - rather than in a worker thread."""
    return engine is not None and is_instant(engine) and not heavy


class Runtime:
    def __init__(
        self,
        config: EmulatorConfig,
        api_key: str,
        auth: bool,
        engine: EngineKind,
        engines: EngineSet | None = None,
    ) -> None:
        self.config = dataclasses.replace(config, fault_rates=dict(config.fault_rates))  # controls mutate it
        self.api_key = api_key
        self.auth = auth
        self.engine_kind = engine
        self._engine_sets: dict[str, EngineSet] = {"default": engines or load_engine_set(engine)}
        self.registry = policy.DeploymentRegistry(config.deployments)
        self.faults = FaultInjector(config.fault_rates, config.fault_seed)
        self.limiter = RateLimiter()
        self.filter = ContentFilter(self._engine_sets["default"].moderation, config.filter_heuristic)
        self.images = ImageStore(config.image_cache)
        self.responses = ResponseStore(config.stored_responses)  # the Responses API's stored responses
        self.files = FileStore(config.max_file_bytes, config.max_files_bytes, config.max_files)
        self.stats = Stats()
        self.threads = anyio.CapacityLimiter(ENGINE_THREADS)
        self.requests: set[asyncio.Task[Any]] = set()  # every request being served, by its task
        self.stopped: set[asyncio.Task[Any]] = set()  # those cancel_in_flight() cancelled
        self.background: set[anyio.CancelScope] = set()  # background responses being produced
        self.in_flight = 0  # API requests being served
        self.admission = Admission()
        self.extra_status: dict[str, Callable[[], Any]] = {}  # e.g. recording: the record/replay layer's

    def cancel_in_flight(self) -> None:
        """Shutdown: end every request being served (the gateway closes their connections quietly)."""
        for scope in list(self.background):
            scope.cancel()
        for task in list(self.requests):  # (a native cancel: a cancel scope per request cost ~6% of one)
            self.stopped.add(task)
            task.cancel()

    # --- engines -----------------------------------------------------------------------------------------

    def engines_for(self, deployment: Deployment) -> EngineSet:
        kind = deployment.engine
        if kind not in self._engine_sets:
            try:
                self._engine_sets[kind] = load_engine_set(kind)  # type: ignore[arg-type]
            except EngineUnavailable as exc:
                raise engine_unavailable(exc) from None
        return self._engine_sets[kind]

    def engine_names(self) -> dict[str, dict[str, str]]:
        return {kind: engines.names() for kind, engines in self._engine_sets.items()}

    async def run(
        self,
        engine: Engine | None,
        func: Callable[..., T],
        *args: Any,
        call: Call | None = None,
        cancel: Cancel | None = None,
        heavy: bool = False,
    ) -> T:
        """Call ``func`` (work of ``engine``; None: other work, such as encoding) in a worker thread - or
        directly when the engine is instant and the work is not ``heavy`` - turning engine exceptions into
        Azure errors. A cancelled request stops waiting for the thread. With ``call``, a client that
        disconnects meanwhile sets ``cancel`` (which the work checks, see cancel.py) and ends the request with
        Disconnect."""
        with azure_engine_errors():
            if runs_inline(engine, heavy):
                return func(*args)
            work = functools.partial(
                anyio.to_thread.run_sync, func, *args, limiter=self.threads, abandon_on_cancel=True
            )
            if call is None:
                return await work()
            return await self.unless_gone(call, work, cancel or Cancel())

    async def build(self, heavy: bool, func: Callable[..., T], *args: Any) -> T:
        """``func(*args)``: in a worker thread when ``heavy``, so a big reply (thousands of logprobs or vectors)
        is built and encoded there and the event loop keeps serving other clients meanwhile."""
        if not heavy:
            return func(*args)
        return await anyio.to_thread.run_sync(func, *args, limiter=self.threads)

    async def unless_gone(self, call: Call, work: Callable[[], Awaitable[T]], cancel: Cancel) -> T:
        """``await work()``, unless the client disconnects first: then ``cancel`` is set, the wait ends and
        Disconnect is raised (nobody is left to answer). The body has been read, so the next ASGI message
        for this request can only be ``http.disconnect``."""
        gone = False
        result: list[T] = []
        failure: Exception | None = None

        async def watch(group: TaskGroup) -> None:
            nonlocal gone
            message = await call.request.receive()
            if message["type"] != "http.disconnect":  # a server that does not report it: just wait
                await anyio.sleep_forever()
            gone = True
            cancel.set()
            self.stats.abandoned += 1
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch, group)
            try:
                result.append(await work())
            except Exception as exc:  # raised after the group, not wrapped in an ExceptionGroup
                failure = exc
            except BaseException:  # cancelled (the emulator stopping): the work stops too
                cancel.set()
                raise
            finally:
                group.cancel_scope.cancel()
        if gone or isinstance(failure, Cancelled):
            raise Disconnect()
        if failure is not None:
            raise failure
        return result[0]

    # --- the gateway ---------------------------------------------------------------------------------------

    async def begin(self, request: Request, route: str, v1: bool) -> Call:
        self.stats.total += 1
        self.stats.by_route[route] += 1
        query = query_params(request.scope["query_string"])
        headers = request.headers
        if v1:
            policy.check_auth(headers, self.api_key, self.auth)
            api_version = policy.check_v1_api_version(query)
        else:
            api_version = policy.classic_api_version(query)
            policy.check_auth(headers, self.api_key, self.auth)
            policy.check_classic_api_version(api_version)
        path_deployment = request.path_params.get(
            "deployment"
        )  # classic /openai/responses: model in the body
        deployment = (
            None if v1 or path_deployment is None else self.registry.for_route(path_deployment, route)
        )
        upload = None
        images: list[Upload] = []
        mask = None
        if route in MULTIPART_ROUTES:
            body, upload = await read_multipart(
                request, self.config.max_audio_bytes, self.config.body_timeout_seconds
            )
        elif route == "images/edits":
            body, images, mask = await read_image_form(
                request, self.config.max_audio_bytes, self.config.body_timeout_seconds
            )
        else:
            body = await read_json(
                request,
                self.config.max_json_bytes,
                allow_form=route == "audio/speech",
                timeout=self.config.body_timeout_seconds,
            )
        if deployment is None:
            model = body.get("model")
            if not isinstance(model, str) or not model:
                raise invalid_request(
                    "Missing required parameter: 'model' (on /openai/v1 it names the "
                    "deployment, e.g. 'gpt-4o-mini').",
                    param="model",
                    code="missing_required_parameter",
                )
            deployment = self.registry.for_route(model, route)
        self.stats.by_deployment[deployment.name] += 1
        lifecycle = lifecycle_headers(self.config, deployment)  # the 410 of a retired model, when configured
        engines = self.engines_for(deployment)
        call = Call(
            request,
            route,
            v1,
            api_version,
            deployment,
            engines,
            body,
            upload,
            parse_filter_header(headers),
            self.config.first_token_ms + header_latency_ms(headers),
        )
        call.images, call.mask = tuple(images), mask
        call.headers[ENGINE_HEADER] = call.engine_name()
        call.headers.update(lifecycle)
        await self._inject_fault(call)
        return call

    def admit(self, call: Call, engine: object) -> None:
        """A place in ``engine``'s slots or queue until the response has been sent (else Azure's 429)."""
        release = self.admission.enter(engine, self.config.max_queued_generations)
        if release is not None:
            call.request.scope.setdefault(ON_END, []).append(release)

    def charge(self, call: Call, tokens: int) -> None:
        """Count the request against the deployment's TPM/RPM window (raises the 429)."""
        quota = self.limiter.acquire(
            call.deployment, tokens, policy.QUOTA_OPERATIONS[call.route], call.api_version
        )
        if quota is not None:
            call.headers.update(quota.headers())

    async def _inject_fault(self, call: Call) -> None:
        fault = self.faults.pick(call.request.headers)
        if fault is None:
            return
        if fault == "timeout":
            if await self.wait(call.request, self.config.fault_timeout_seconds):
                raise Disconnect()  # the client gave up: nobody is left to answer
            return
        if fault == "disconnect":
            raise Disconnect()
        retry_after = header_retry_after_ms(call.request.headers) or self.config.fault_retry_after_ms
        raise injected_error(int(fault), policy.QUOTA_OPERATIONS[call.route], call.api_version, retry_after)

    async def before_output(self, call: Call) -> None:
        if call.first_token_ms > 0 and await self.wait(call.request, call.first_token_ms / 1000):
            raise Disconnect()

    async def wait(self, request: Request, seconds: float) -> bool:
        """Sleep ``seconds``, ending early when the client disconnects (then True). The body has been read,
        so the server's next ASGI message for this request can only be ``http.disconnect``."""
        gone = False

        async def watch(group: TaskGroup) -> None:
            nonlocal gone
            message = await request.receive()
            if message["type"] != "http.disconnect":  # a server that does not report it: just sleep
                await anyio.sleep_forever()
            gone = True
            group.cancel_scope.cancel()

        async with anyio.create_task_group() as group:
            group.start_soon(watch, group)
            await anyio.sleep(seconds)
            group.cancel_scope.cancel()
        return gone


class Disconnect(Exception):
    """Close the connection without any response (x-aoai-nb-fault: disconnect, or the client left)."""
