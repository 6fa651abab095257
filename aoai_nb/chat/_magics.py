"""``%load_ext aoai_nb``: chat from a cell.

    %%chat [--deployment D] [--system S] [--temperature T] [--max-tokens N] [--new] [--client NAME]
    Your prompt, on as many lines as you like.

streams the reply into the cell's output and keeps the conversation for the notebook (one kernel). The line
magic ``%chat`` shows the conversation; ``%chat --new`` (or ``--reset``) starts over; options given to the line
magic (``--deployment``, ``--system``, ``--temperature``, ``--max-tokens``, ``--client``) become the defaults for
later cells. Each reply is capped at ``--max-tokens`` (default 256). A bad option is an IPython ``UsageError``:
one line naming the problem and the usage, no traceback. JupyterLab highlights the cell body as Python: it has
no way for a Python package to choose a cell magic's highlighting (that needs a frontend extension).
``--client NAME`` names a client variable in the notebook; without one, ``aoai_nb.make_client()`` is used.
The last reply is kept as ``_chat`` (a ``StreamResult``) in the notebook's namespace.
"""

from __future__ import annotations

import argparse
import shlex
import weakref
from typing import Any

from IPython.core.error import UsageError

from aoai_nb.chat._conversation import (
    DEFAULT_MAX_TOKENS,
    Conversation,
    default_client,
    default_deployment,
    send_turn,
)
from aoai_nb.display._env import Environment, show_object
from aoai_nb.display._errors import explain
from aoai_nb.display._live import StreamResult


class MagicUsageError(ValueError):
    """Bad ``%%chat`` arguments; the message includes the usage line. The magic re-raises it as IPython's
    ``UsageError``, which IPython shows as one line, without a traceback."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


_positive_int.__name__ = "positive whole number"  # argparse names the type in its message


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%chat", add_help=False, exit_on_error=False)
    parser.add_argument("--deployment", "-d", help="chat deployment name (default: the configured one)")
    parser.add_argument("--system", "-s", help="system prompt; replaces the current one")
    parser.add_argument("--temperature", "-t", type=float, help="sampling temperature, 0-2")
    parser.add_argument(
        "--max-tokens",
        "-m",
        type=_positive_int,
        help=f"cap on the reply's tokens (default {DEFAULT_MAX_TOKENS})",
    )
    parser.add_argument("--new", "--reset", action="store_true", help="start a new conversation")
    parser.add_argument("--client", "-c", help="name of a client variable to use instead of make_client()")
    return parser


def _usage(parser: argparse.ArgumentParser) -> str:
    return " ".join(parser.format_usage().split())  # one line, however narrow the terminal


def parse_chat_args(line: str) -> argparse.Namespace:
    parser = _parser()
    try:
        args, extra = parser.parse_known_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as exc:
        raise MagicUsageError(f"{exc}. {_usage(parser)}") from None
    if extra:
        raise MagicUsageError(
            f"Unexpected {' '.join(extra)!r} on the %%chat line: the prompt goes in the cell body. {_usage(parser)}"
        )
    return args


class ChatSession:
    """The state behind ``%chat`` / ``%%chat`` for one IPython shell (one notebook)."""

    def __init__(self, shell: Any, *, env: Environment | None = None) -> None:
        self.shell = shell
        self.conversation = Conversation()
        self.client: Any = None
        self.deployment: str | None = None
        self.temperature: float | None = None
        self.max_tokens: int = DEFAULT_MAX_TOKENS
        self.env = env  # None: detect (tests force "notebook" or "plain")
        self.last: StreamResult | None = None

    def _client(self, name: str | None) -> Any:
        if name:
            if name not in self.shell.user_ns:
                raise NameError(
                    f"--client {name}: no variable {name!r} in the notebook; create the client first."
                )
            return self.shell.user_ns[name]
        if self.client is None:
            self.client = default_client()
        return self.client

    def chat(self, line: str, cell: str | None = None) -> None:
        """%chat [--new] [--deployment D] [--system S] [--temperature T] [--max-tokens N] [--client NAME]: show the conversation,
        set defaults. %%chat [same options] + a prompt in the cell body: stream the reply."""
        args = parse_chat_args(line)
        if args.new:
            self.conversation.reset()
        if args.system is not None:
            self.conversation.system = args.system
        if cell is None:
            if args.client:
                self.client = self._client(args.client)
            self.deployment = args.deployment or self.deployment
            self.temperature = args.temperature if args.temperature is not None else self.temperature
            self.max_tokens = args.max_tokens or self.max_tokens
            show_object(self.conversation, env=self.env)
            return
        prompt = cell.strip()
        if not prompt:
            raise MagicUsageError(
                f"%%chat needs a prompt in the cell body, below the %%chat line. {_usage(_parser())}"
            )
        import openai

        temperature = args.temperature if args.temperature is not None else self.temperature
        try:
            result = send_turn(
                self.conversation,
                prompt,
                client=self._client(args.client),
                deployment=args.deployment or self.deployment or default_deployment(),
                temperature=temperature,
                max_tokens=args.max_tokens or self.max_tokens,
                env=self.env,
            )
        except openai.OpenAIError as exc:
            show_object(explain(exc), env=self.env)
            return
        self.last = result
        self.shell.user_ns["_chat"] = result

    def magic(self, line: str, cell: str | None = None) -> None:
        """The registered ``%chat`` / ``%%chat``: :meth:`chat`, with usage errors as IPython ``UsageError``."""
        try:
            self.chat(line, cell)
        except MagicUsageError as exc:
            raise UsageError(str(exc)) from None


_SESSIONS: weakref.WeakKeyDictionary[Any, ChatSession] = weakref.WeakKeyDictionary()


def load_ipython_extension(ipython: Any) -> None:
    session = _SESSIONS.get(ipython)
    if session is None:
        session = _SESSIONS[ipython] = ChatSession(ipython)
    ipython.register_magic_function(session.magic, magic_kind="line_cell", magic_name="chat")


def chat_session(ipython: Any) -> ChatSession:
    """The ``%chat`` state of a shell (to read the conversation or set ``client`` / ``deployment`` in code)."""
    try:
        return _SESSIONS[ipython]
    except KeyError:
        raise LookupError("No %chat session in this shell: run %load_ext aoai_nb first.") from None
