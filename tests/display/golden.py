"""Normalisation for golden strings: ids, timestamps, request ids, ports, timings and bulky data become fixed
tokens; inline styles are dropped from HTML goldens (the style helpers have their own tests)."""

from __future__ import annotations

import re

_RULES = [
    (re.compile(r"chatcmpl-[A-Za-z0-9]+"), "chatcmpl-ID"),
    (re.compile(r"\bcmpl-[A-Za-z0-9]+"), "cmpl-ID"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), "REQUEST-ID"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"), "CREATED"),
    (re.compile(r"(127\.0\.0\.1|localhost):\d+"), r"\1:PORT"),
    (re.compile(r"ttft \d+\.\d+ s"), "ttft T s"),
    (re.compile(r"\d+\.\d (tokens|chunks)/s"), r"R \1/s"),
    (re.compile(r"base64,[A-Za-z0-9+/=]+"), "base64,DATA"),
    (re.compile(r"/aoai-nb/images/[0-9a-f]+\.png"), "/aoai-nb/images/IMAGE.png"),
    (re.compile(r"\d+\.\d kB"), "SIZE kB"),  # media sizes: checked against the bytes in their own tests
]
_STYLE = re.compile(r' style="[^"]*"')


def normalise(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def normalise_html(html: str) -> str:
    return normalise(_STYLE.sub("", html))


def as_source(name: str, text: str, width: int = 100) -> str:
    """``NAME = (...)``: ``text`` as implicitly concatenated literals (to paste a reviewed golden into a test)."""
    pieces: list[str] = []
    for part in text.replace("\n", "\n\x00").replace("><", ">\x00<").split("\x00"):
        while len(part) > width:
            cut = part.rfind(" ", 0, width) + 1 or width
            pieces.append(part[:cut])
            part = part[cut:]
        pieces.append(part)
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + len(piece) <= width and not lines[-1].endswith("\n"):
            lines[-1] += piece
        else:
            lines.append(piece)
    body = "\n".join(f"    {line!r}" for line in lines if line)
    return f"{name} = (\n{body}\n)\n"
