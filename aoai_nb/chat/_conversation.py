"""A chat conversation (system prompt + turns) shared by ``%%chat`` and the chat widget, and its view."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aoai_nb.display import _html as h
from aoai_nb.display._base import View

if TYPE_CHECKING:  # pragma: no cover
    from aoai_nb.display._live import StreamResult

DEFAULT_SYSTEM = "You are a helpful assistant."

_BUBBLE = "margin:4px 0;padding:6px 10px;border-radius:8px;max-width:90%"
_STYLES = {
    "system": f"{_BUBBLE};background:#f6f8fa;color:#57606a;font-style:italic",
    "user": f"{_BUBBLE};background:#ddf4ff;margin-left:auto",
    "assistant": f"{_BUBBLE};background:#ffffff;border:1px solid #d0d7de",
}


@dataclass(repr=False)
class Conversation(View):
    """Messages in order; ``system`` is sent first on every request and can change between turns."""

    system: str = DEFAULT_SYSTEM
    turns: list[dict[str, str]] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<Conversation {len(self.turns)} turns>"

    def messages(self, pending: str | None = None) -> list[dict[str, Any]]:
        """The request's ``messages``: system, the turns so far, then ``pending`` as the new user turn."""
        out: list[dict[str, Any]] = [{"role": "system", "content": self.system}] if self.system else []
        out += [dict(t) for t in self.turns]
        if pending is not None:
            out.append({"role": "user", "content": pending})
        return out

    def add(self, role: str, content: str) -> None:
        self.turns.append({"role": role, "content": content})

    def reset(self, system: str | None = None) -> None:
        self.turns.clear()
        if system is not None:
            self.system = system

    def to_text(self) -> str:
        lines = [f"conversation: {len(self.turns)} turns"]
        for message in self.messages():
            lines.append(f"[{message['role']}] {message['content']}")
        return "\n".join(lines)

    def to_html(self, pending_user: str | None = None, partial_reply: str | None = None) -> str:
        parts = [h.line(h.esc(f"conversation: {len(self.turns)} turns"), muted=True)]
        messages = self.messages(pending_user)
        if partial_reply is not None:
            messages.append({"role": "assistant", "content": partial_reply + " ▌"})
        for message in messages:
            role = str(message["role"])
            body: str
            if role == "assistant":
                body = h.markdown_html(str(message["content"]))
            else:
                body = f'<div style="white-space:pre-wrap">{h.esc(message["content"])}</div>'
            style = _STYLES.get(role, _STYLES["assistant"])
            label = f'<div style="{h.MUTED}">{h.esc(role)}</div>'
            parts.append(h.Raw(f'<div style="{style}">{label}{body}</div>'))
        return h.box(*parts)


def default_client() -> Any:
    """The toolkit's configured client (Azure when configured, else the local emulator)."""
    from aoai_nb.client import make_client

    return make_client()


def default_deployment() -> str:
    from aoai_nb.config import load_settings

    return load_settings().deployments.chat


def _sampling(deployment: str, temperature: float) -> dict[str, Any]:
    """``temperature`` unless the catalog says the deployment's model accepts only its default (reasoning
    models); sent as given for a model the catalog does not know (the service then says if it refuses)."""
    from aoai_nb.chat._args import chat_args, resolve_model
    from aoai_nb.config import ConfigError
    from aoai_nb.models import lookup

    try:
        info = resolve_model(deployment)
    except ConfigError:
        info = lookup(deployment)
    if info is None:
        return {"temperature": temperature}
    return dict(chat_args(deployment, temperature=temperature, model=info.name))


def send_turn(
    conversation: Conversation,
    prompt: str,
    *,
    client: Any,
    deployment: str,
    temperature: float | None = None,
    **stream_options: Any,
) -> StreamResult:
    """Send the conversation plus ``prompt`` as a streamed chat request and show the reply live.

    The turn is added to the conversation only when the reply arrives; an error (raised) leaves it unchanged.
    ``stream_options`` go to :class:`StreamResult` (``sink``, ``env``, ``tracker``).
    """
    from aoai_nb.display._live import StreamResult

    request: dict[str, Any] = {
        "model": deployment,
        "messages": conversation.messages(prompt),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if temperature is not None:
        request.update(_sampling(deployment, temperature))
    result = StreamResult(client.chat.completions.create(**request), **stream_options).wait()
    conversation.add("user", prompt)
    conversation.add("assistant", result.text)
    return result
