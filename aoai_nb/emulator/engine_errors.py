"""Engine exceptions as Azure errors: an EngineInputError is the request's fault (400), EngineUnavailable the
setup's (503); anything else an engine raises is a bug and passes through (the gateway answers 500)."""

from __future__ import annotations

from typing import Any, Literal

from aoai_nb.emulator.engines.base import EngineInputError, EngineUnavailable
from aoai_nb.emulator.wire import AzureError, invalid_request, simple_error


def engine_unavailable(exc: EngineUnavailable) -> AzureError:
    """503 (with ``x-should-retry: false``: retrying cannot install a package)."""
    return simple_error(503, "EngineUnavailable", str(exc), {"x-should-retry": "false"})


ENGINE_ERRORS = (EngineInputError, EngineUnavailable)


def as_azure_error(exc: EngineInputError | EngineUnavailable) -> AzureError:
    """An engine exception that is the request's fault (EngineInputError, 400) or the setup's (503)."""
    if isinstance(exc, EngineInputError):
        return invalid_request(str(exc), param=exc.param)
    return engine_unavailable(exc)


class _AzureEngineErrors:
    """``azure_engine_errors()``: a plain class, not a ``@contextmanager`` generator (a few per request)."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> Literal[False]:
        if isinstance(exc, ENGINE_ERRORS):
            raise as_azure_error(exc) from None
        return False


_AZURE_ENGINE_ERRORS = _AzureEngineErrors()  # stateless: one serves every request


def azure_engine_errors() -> _AzureEngineErrors:
    """ENGINE_ERRORS become Azure errors (``as_azure_error``); anything else is a bug and passes through (the
    gateway answers 500)."""
    return _AZURE_ENGINE_ERRORS
