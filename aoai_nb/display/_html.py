"""Pure HTML/text building blocks for the views: every string escaped, every style inline.

Nothing here imports IPython or touches the network; each function returns a ``str``. Model and user text goes
through :func:`esc` (or :func:`markdown_html`, which escapes raw HTML), so ``<script>`` in a reply shows as text.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlsplit

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:13px;line-height:1.45"
MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px"
BOX = f"{FONT};border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:4px 0;max-width:60em"
MUTED = "color:#57606a;font-size:12px"
CELL = "padding:2px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top"

# severity colour scale: (text colour, background tint)
SEVERITY_COLOURS: dict[str, tuple[str, str]] = {
    "safe": ("#1a7f37", "#dafbe1"),
    "low": ("#7d4e00", "#fff8c5"),
    "medium": ("#953800", "#ffe2cc"),
    "high": ("#ffffff", "#cf222e"),
}
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#ffffff", "#1a7f37"),
    "warn": ("#ffffff", "#bc4c00"),
    "bad": ("#ffffff", "#cf222e"),
    "info": ("#24292f", "#eaeef2"),
}


class Raw(str):
    """An HTML fragment this package built itself (already escaped); :func:`cell` passes it through."""

    __slots__ = ()


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def cell(value: object) -> str:
    return value if isinstance(value, Raw) else esc(value)


def badge(text: str, kind: str = "info") -> Raw:
    fg, bg = STATUS_COLOURS.get(kind, STATUS_COLOURS["info"])
    style = (
        f"display:inline-block;padding:0 8px;border-radius:10px;font-weight:600;color:{fg};background:{bg}"
    )
    return Raw(f'<span style="{style}">{esc(text)}</span>')


def severity_cell(severity: str | None, filtered: bool) -> Raw:
    """A severity label on its colour; filtered results are bold and say so (colour is never the only cue)."""
    if severity is None:
        return Raw("")
    fg, bg = SEVERITY_COLOURS.get(severity, ("#24292f", "#eaeef2"))
    weight = "700" if filtered else "400"
    style = f"display:inline-block;padding:0 6px;border-radius:4px;color:{fg};background:{bg};font-weight:{weight}"
    return Raw(f'<span style="{style}">{esc(severity)}</span>')


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Raw:
    head = "".join(f'<th style="{CELL};font-weight:600">{esc(h)}</th>' for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL}">{cell(v)}</td>' for v in row) + "</tr>" for row in rows
    )
    return Raw(f'<table style="border-collapse:collapse;margin:4px 0"><tr>{head}</tr>{body}</table>')


def kv_table(rows: Iterable[tuple[str, object]]) -> Raw:
    """A two-column key/value table without a header row."""
    body = "".join(
        f'<tr><td style="{CELL};color:#57606a">{esc(k)}</td><td style="{CELL}">{cell(v)}</td></tr>'
        for k, v in rows
    )
    return Raw(f'<table style="border-collapse:collapse;margin:4px 0">{body}</table>')


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def box(*parts: str, border: str = "#d0d7de") -> Raw:
    style = BOX.replace("#d0d7de", border)
    return Raw(f'<div style="{style}">' + "".join(parts) + "</div>")


def line(*parts: str, muted: bool = False) -> Raw:
    opening = f'<div style="{MUTED}">' if muted else "<div>"
    return Raw(opening + " ".join(p for p in parts if p) + "</div>")


def pre(text: str) -> Raw:
    style = f"{MONO};white-space:pre-wrap;margin:4px 0;background:#f6f8fa;padding:6px;border-radius:4px"
    return Raw(f'<pre style="{style}">{esc(text)}</pre>')


def markdown_html(text: str) -> Raw:
    """Render model markdown as HTML: raw HTML escaped, unsafe links neutralised, images not loaded.

    Images stay text (``[image: alt] url``) because a reply can carry an image URL that leaks data when the
    notebook fetches it. Uses ``mistune`` (installed with Jupyter) when present; otherwise the text is shown
    escaped and pre-wrapped.
    """
    render = _markdown_renderer()
    if render is None:  # pragma: no cover - depends on the environment
        return Raw(f'<div style="white-space:pre-wrap">{esc(text)}</div>')
    return Raw(f'<div style="overflow-x:auto">{render(text)}</div>')


@functools.cache
def _markdown_renderer() -> Callable[[str], str] | None:
    try:
        import mistune
    except ImportError:  # pragma: no cover - depends on the environment
        return None

    class _NoImages(mistune.HTMLRenderer):
        def image(self, text: str, url: str, title: str | None = None) -> str:
            return f"<span>[image not loaded: {text}] {esc(url)}</span>"  # text: already escaped

    markdown = mistune.create_markdown(
        escape=True, renderer=_NoImages(escape=True), plugins=["strikethrough", "table"]
    )

    def render(text: str) -> str:
        return str(markdown(text))

    return render


def safe_src(url: str) -> str | None:
    """A URL fit for ``src=``: http(s) or a base64 image data URL; anything else (javascript: ...) is refused."""
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https") or url.startswith(("data:image/", "data:audio/")):
        return url
    return None


def plain_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A left-aligned, space-padded text table (for text/plain)."""
    cells = [[str(h) for h in headers]] + [[str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
