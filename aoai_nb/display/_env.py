"""Where output goes: the one place that sniffs the environment, and the sinks the live views write to.

``detect_environment()`` never imports IPython: it only looks at what is already loaded. Tests pass a sink (or
``env=``) explicitly instead of faking a kernel.
"""

from __future__ import annotations

import sys
from typing import Any, Literal, Protocol, TextIO

Environment = Literal["notebook", "ipython", "plain"]


def detect_environment() -> Environment:
    """``notebook`` inside a Jupyter kernel (JupyterLab, VS Code, Colab), ``ipython`` in a terminal IPython,
    ``plain`` anywhere else (scripts, pytest)."""
    ipython_module = sys.modules.get("IPython")
    if ipython_module is None:
        return "plain"
    get_ipython = getattr(ipython_module, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    if shell is None:
        return "plain"
    name = type(shell).__name__
    if name == "TerminalInteractiveShell":
        return "ipython"
    if name == "ZMQInteractiveShell" or "google.colab" in sys.modules or hasattr(shell, "kernel"):
        return "notebook"
    return "ipython"


class Sink(Protocol):
    """Receives a live view's life: ``start`` once, ``write`` per text delta, ``update`` now and then, ``finish``."""

    def start(self, view: Any) -> None: ...

    def write(self, delta: str) -> None: ...

    def update(self, view: Any) -> None: ...

    def finish(self, view: Any) -> None: ...


class NullSink:
    def start(self, view: Any) -> None:
        pass

    def write(self, delta: str) -> None:
        pass

    def update(self, view: Any) -> None:
        pass

    def finish(self, view: Any) -> None:
        pass


class PlainSink:
    """Terminal/script output: deltas printed as they arrive, then the view's closing line."""

    def __init__(self, out: TextIO | None = None) -> None:
        self._out = out

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    def start(self, view: Any) -> None:
        pass

    def write(self, delta: str) -> None:
        self.out.write(delta)
        self.out.flush()

    def update(self, view: Any) -> None:
        pass

    def finish(self, view: Any) -> None:
        footer = getattr(view, "footer_text", None)
        self.out.write("\n" + (footer() if callable(footer) else "") + "\n")
        self.out.flush()


class DisplaySink:
    """One notebook output, created with ``display(..., display_id=True)`` and updated in place.

    ``display`` is ``IPython.display.display`` unless injected (tests pass a recorder).
    """

    def __init__(self, display: Any = None) -> None:
        self._display = display
        self._handle: Any = None

    def start(self, view: Any) -> None:
        display = self._display
        if display is None:
            from IPython import display as ipython_display

            display = ipython_display.display
        self._handle = display(view, display_id=True)

    def write(self, delta: str) -> None:
        pass

    def update(self, view: Any) -> None:
        if self._handle is not None:
            self._handle.update(view)

    def finish(self, view: Any) -> None:
        self.update(view)


def default_sink(env: Environment | None = None) -> Sink:
    env = env or detect_environment()
    return DisplaySink() if env == "notebook" else PlainSink()


def show_object(obj: Any, env: Environment | None = None, out: TextIO | None = None) -> None:
    """Display one view: rich output under a kernel, its text form (``print``) elsewhere."""
    env = env or detect_environment()
    if env == "notebook":
        from IPython import display as ipython_display

        display: Any = ipython_display.display
        display(obj)
    else:
        print(str(obj), file=out or sys.stdout)
