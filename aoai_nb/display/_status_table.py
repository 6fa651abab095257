"""The status code -> SDK exception table, with what each status means on Azure OpenAI and whether it is retried."""

from __future__ import annotations

from dataclasses import dataclass

from aoai_nb.display import _html as h
from aoai_nb.display._base import View
from aoai_nb.display._errors import MEANINGS, RETRIED_STATUSES

# status -> the openai SDK's exception class for it (openai._client._make_status_error)
EXCEPTIONS: dict[int, str] = {
    400: "BadRequestError",
    401: "AuthenticationError",
    403: "PermissionDeniedError",
    404: "NotFoundError",
    409: "ConflictError",
    422: "UnprocessableEntityError",
    429: "RateLimitError",
    500: "InternalServerError",
    502: "InternalServerError",
    503: "InternalServerError",
    504: "InternalServerError",
}
_NO_STATUS = (
    (">=500", "InternalServerError", "APIStatusError", "Any other server error.", "yes"),
    ("none", "APIConnectionError", "APIError", "No HTTP answer: DNS, refused connection, TLS, proxy.", "yes"),
    ("none", "APITimeoutError", "APIConnectionError", "No answer within the client's timeout.", "yes"),
)
HEADERS = ("status", "exception", "subclass of", "meaning", "retried by the SDK")


@dataclass(frozen=True, repr=False)
class StatusTable(View):
    rows: tuple[tuple[str, str, str, str, str], ...]

    def __repr__(self) -> str:
        return f"<StatusTable {len(self.rows)} rows>"

    def to_text(self) -> str:
        return h.plain_table(HEADERS, self.rows)

    def to_html(self) -> str:
        return h.box(
            h.line(h.badge("status codes"), "HTTP status -> openai exception"), h.table(HEADERS, self.rows)
        )


def status_table() -> StatusTable:
    """Each HTTP status Azure OpenAI answers with, the ``openai`` exception it raises, and what it means."""
    import openai

    rows = [
        (
            str(status),
            name,
            getattr(openai, name).__base__.__name__,
            MEANINGS[status],
            "yes" if status in RETRIED_STATUSES or status >= 500 else "no",
        )
        for status, name in EXCEPTIONS.items()
    ]
    return StatusTable(tuple(rows) + _NO_STATUS)
