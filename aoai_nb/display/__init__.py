"""Display helpers: ``show(x)`` renders any Azure OpenAI result, stream, error or filter report inline.

Parse, then view, then show: ``view(x)`` turns a result into a value object with ``_repr_mimebundle_``
(text/plain + escaped, inline-styled text/html) and touches nothing else; ``show(x)`` displays it (IPython in a
kernel, ``print`` elsewhere) and records token usage in the session tracker. This module imports only the
standard library at import time; views, IPython and pandas load on first use.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.display._base import View
    from aoai_nb.display._env import Environment
    from aoai_nb.display._live import StreamResult
    from aoai_nb.display._usage import UsageTracker

__all__ = ["show", "stream", "view"]

_TRANSCRIPT_TYPES = {
    "Transcription",
    "TranscriptionDiarized",
    "TranscriptionVerbose",
    "Translation",
    "TranslationVerbose",
}
_STREAM_TYPES = {"Stream", "AsyncStream"}


def _is_stream(obj: Any) -> bool:
    if type(obj).__name__ in _STREAM_TYPES:
        return True
    return hasattr(obj, "__aiter__") or (hasattr(obj, "__next__") and hasattr(obj, "__iter__"))


def view(obj: Any) -> View:
    """The view value object for ``obj`` (pure: no display, no network, no usage recording).

    Streams are not accepted here (viewing one means consuming it): use ``stream()`` or ``show()``.
    """
    from aoai_nb.display._base import View

    if isinstance(obj, View):
        return obj
    if isinstance(obj, BaseException):
        from aoai_nb.display._errors import explain

        return explain(obj)
    if _is_stream(obj):
        raise TypeError("A stream is consumed as it is shown: use show(stream) or result = stream(s).")
    if isinstance(obj, bytes | bytearray | memoryview) or type(obj).__name__ == "HttpxBinaryResponseContent":
        from aoai_nb.display._speech import SpeechView

        return SpeechView.from_response(obj)
    name = type(obj).__name__
    if name in _TRANSCRIPT_TYPES:
        from aoai_nb.display._transcripts import TranscriptView

        return TranscriptView.from_response(obj)
    from aoai_nb.display._filters import as_dict

    data = as_dict(obj)
    kind = data.get("object")
    if kind in ("chat.completion", "text_completion") or (
        isinstance(data.get("choices"), list) and data["choices"]
    ):
        from aoai_nb.display._chat import ChatView

        return ChatView.from_response(obj)
    if name == "CreateEmbeddingResponse" or (kind == "list" and _first(data, "object") == "embedding"):
        from aoai_nb.display._embeddings import EmbeddingsView

        return EmbeddingsView.from_response(obj)
    if name == "ImagesResponse" or ("created" in data and isinstance(data.get("data"), list)):
        from aoai_nb.display._images import ImagesView

        return ImagesView.from_response(obj)
    if "text" in data and ("segments" in data or "words" in data or "duration" in data or len(data) <= 4):
        from aoai_nb.display._transcripts import TranscriptView

        return TranscriptView.from_response(obj)
    if "error" in data or "innererror" in data or "inner_error" in data or "prompt_filter_results" in data:
        from aoai_nb.display._filters import FilterReport

        return FilterReport.of(data)
    if "total_tokens" in data or "prompt_tokens" in data:
        from aoai_nb.display._usage import UsageView

        return UsageView(obj)
    raise TypeError(
        f"show() does not know how to render {name}; pass an Azure OpenAI result, stream or exception."
    )


def _first(data: dict[str, Any], key: str) -> Any:
    items = data.get("data")
    return items[0].get(key) if isinstance(items, list) and items and isinstance(items[0], dict) else None


def show(
    obj: Any,
    *,
    env: Environment | None = None,
    tracker: UsageTracker | None = None,
    out: TextIO | None = None,
) -> Awaitable[None] | None:
    """Display ``obj`` readably: in a notebook as rich output, elsewhere as text.

    Streams are shown live and consumed (keep the result with ``stream()`` instead); an ``AsyncStream``
    returns an awaitable: ``await show(s)``. Token usage of what is shown is added to the session tracker.
    """
    from aoai_nb.display._base import View
    from aoai_nb.display._env import show_object

    if isinstance(obj, View):  # already a view, e.g. a finished StreamResult: show it, do not re-consume
        show_object(obj, env=env, out=out)
        return None
    if _is_stream(obj):
        from aoai_nb.display._live import StreamResult

        kind, obj = _stream_kind(obj)
        if kind == "speech":
            from aoai_nb.display._speech import SpeechView

            show_object(SpeechView.from_events(obj), env=env, out=out)
            return None
        if kind == "transcript":
            from aoai_nb.display._transcript_stream import TranscriptStream

            TranscriptStream(obj, env=env).wait()
            return None
        result = StreamResult(obj, env=env, tracker=tracker)
        if hasattr(obj, "__aiter__") and not hasattr(obj, "__iter__"):
            return _drain(result)
        result.wait()
        return None
    shown = view(obj)
    if not isinstance(obj, BaseException) and getattr(obj, "usage", None) is not None:
        from aoai_nb.display._usage import session_usage

        (tracker if tracker is not None else session_usage()).record(obj)
    show_object(shown, env=env, out=out)
    from aoai_nb._headers import replayed_from

    recording = replayed_from(obj)
    if recording:
        from aoai_nb.display._replay import ReplayNote

        show_object(ReplayNote(recording), env=env, out=out)
    return None


def _stream_kind(obj: Any) -> tuple[str, Any]:
    """``chat`` (chat/completion chunks), ``transcript`` or ``speech`` events, and the stream to consume.

    An SDK stream says what it carries (``_cast_to``); a plain iterator is judged by its first item, which is
    put back in front of the rest.
    """
    cast_to = getattr(obj, "_cast_to", None)
    if cast_to is not None:
        return ("transcript" if "Transcription" in str(cast_to) else "chat"), obj
    if not hasattr(obj, "__next__"):  # async iterables: chat only
        return "chat", obj
    import itertools

    from aoai_nb.display._filters import as_dict

    end = object()
    first = next(obj, end)
    if first is end:
        return "chat", iter(())
    rest = itertools.chain([first], obj)
    kind = str(as_dict(first).get("type") or "")
    if kind.startswith("transcript.text."):
        return "transcript", rest
    if kind.startswith("speech.audio."):
        return "speech", rest
    return "chat", rest


async def _drain(result: StreamResult) -> None:
    await result.await_all()


def stream(source: Any, **options: Any) -> Any:
    """Show a stream live and return its result: a ``StreamResult`` for chat and completions (for an
    ``AsyncStream``: ``await stream(s)``), a ``TranscriptStream`` for a streamed transcription (``.transcript``
    is the final view), a ``SpeechView`` for streamed speech events."""
    from aoai_nb.display._live import stream as _stream

    if _is_stream(source):
        kind, source = _stream_kind(source)
        if kind == "transcript":
            from aoai_nb.display._transcript_stream import TranscriptStream

            return TranscriptStream(source, **options).wait()
        if kind == "speech":
            from aoai_nb.display._speech import SpeechView

            return SpeechView.from_events(source)
    return _stream(source, **options)
