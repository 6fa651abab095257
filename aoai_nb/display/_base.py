"""The view protocol: a value object that renders itself as text/plain and text/html."""

from __future__ import annotations

from collections.abc import Container
from typing import Any


class View:
    """Base for display values: subclasses implement ``to_text()`` and ``to_html()`` (pure string building).

    Jupyter front ends call ``_repr_mimebundle_``; ``print(view)`` gives the text form; ``repr(view)`` is short.
    """

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(
        self, include: Container[str] | None = None, exclude: Container[str] | None = None, **kwargs: Any
    ) -> dict[str, str]:
        bundle = {"text/plain": self.to_text(), "text/html": self.to_html()}
        if include:
            bundle = {k: v for k, v in bundle.items() if k in include or k == "text/plain"}
        if exclude:
            bundle = {k: v for k, v in bundle.items() if k not in exclude or k == "text/plain"}
        return bundle

    def __str__(self) -> str:
        return self.to_text()
