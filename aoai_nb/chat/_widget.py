"""``chat_widget()``: a small ipywidgets chat for workshops.

A prompt box and Send button, the transcript streaming in place, the system prompt, a temperature slider, a
cap on the reply's tokens (``max_tokens``, default 256), content-filter results and errors inline, and the running token total. The state lives in ordinary widget
attributes (``.prompt.value``, ``.transcript.value`` ...), so tests drive it without a browser.
"""

from __future__ import annotations

from typing import Any

from aoai_nb.chat._conversation import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_SYSTEM,
    Conversation,
    default_client,
    default_deployment,
    send_turn,
)
from aoai_nb.display import _html as h
from aoai_nb.display._errors import explain
from aoai_nb.display._live import StreamResult
from aoai_nb.display._usage import UsageTracker, session_usage


class _TranscriptSink:
    """Streams the reply into the transcript widget (the StreamResult throttles ``update`` calls)."""

    def __init__(self, chat: ChatWidget, prompt: str) -> None:
        self._chat = chat
        self._prompt = prompt

    def start(self, view: Any) -> None:
        self.update(view)

    def write(self, delta: str) -> None:
        pass

    def update(self, view: Any) -> None:
        self._chat.transcript.value = self._chat.conversation.to_html(self._prompt, view.text)

    def finish(self, view: Any) -> None:
        self.update(view)


class ChatWidget:
    """A chat UI for the notebook; ``client`` defaults to ``make_client()``, ``deployment`` to the configured one;
    ``max_tokens`` caps each reply (the box under the transcript changes it)."""

    def __init__(
        self,
        client: Any = None,
        *,
        deployment: str | None = None,
        system: str = DEFAULT_SYSTEM,
        temperature: float = 0.7,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        tracker: UsageTracker | None = None,
    ) -> None:
        import ipywidgets as w

        self.client = client
        self.deployment = deployment
        self.conversation = Conversation(system=system)
        self.tracker = tracker if tracker is not None else UsageTracker()
        self.last: StreamResult | None = None
        self.system = w.Textarea(
            value=system, description="System", layout=w.Layout(width="100%", height="3em")
        )
        labels = {"description_width": "initial"}  # the whole label, never "Temperat..."
        self.temperature = w.FloatSlider(
            value=temperature, min=0.0, max=2.0, step=0.1, description="Temperature", style=labels
        )
        self.max_tokens = w.BoundedIntText(
            value=max_tokens,
            min=1,
            max=16384,
            description="Max tokens",
            style=labels,
            layout=w.Layout(width="11em"),
        )
        self.transcript = w.HTML(value=self.conversation.to_html())
        self.prompt = w.Textarea(
            placeholder="Ask something, then Send", layout=w.Layout(width="100%", height="4em")
        )
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.new_button = w.Button(description="New chat", icon="refresh")
        self.status = w.HTML(value="")
        self.usage = w.HTML(value=self._usage_html())
        self.send_button.on_click(lambda _button: self.send())
        self.new_button.on_click(lambda _button: self.reset())
        controls = w.HBox([self.send_button, self.new_button, self.temperature, self.max_tokens])
        self.box = w.VBox([self.system, self.transcript, self.prompt, controls, self.status, self.usage])

    def __repr__(self) -> str:
        return f"<ChatWidget {self.conversation.describe()}, {self.tracker.total_tokens} tokens>"

    def _ipython_display_(self) -> None:
        from IPython import display as ipython_display

        display: Any = ipython_display.display
        display(self.box)

    def _usage_html(self) -> str:
        t = self.tracker
        text = f"{h.plural(len(t.rows), 'call')} · {t.prompt_tokens} prompt + {t.completion_tokens} completion = {t.total_tokens} tokens"
        return h.line(h.esc(text), muted=True)

    def reset(self) -> None:
        self.conversation.reset(system=self.system.value)
        self.transcript.value = self.conversation.to_html()
        self.status.value = ""

    def send(self, text: str | None = None) -> StreamResult | None:
        """Send ``text`` (default: the prompt box), stream the reply into the transcript, show filters/errors."""
        import openai

        prompt = (self.prompt.value if text is None else text).strip()
        if not prompt:
            self.status.value = h.line(h.esc("Type a prompt first."), muted=True)
            return None
        self.conversation.system = self.system.value
        self.send_button.disabled = True
        self.status.value = ""
        try:
            if self.client is None:
                self.client = default_client()
            result = send_turn(
                self.conversation,
                prompt,
                client=self.client,
                deployment=self.deployment or default_deployment(),
                temperature=float(self.temperature.value),
                max_tokens=int(self.max_tokens.value),
                sink=_TranscriptSink(self, prompt),
                tracker=self.tracker,
            )
        except openai.OpenAIError as exc:
            self.transcript.value = self.conversation.to_html()
            self.status.value = explain(exc).to_html()
            return None
        finally:
            self.send_button.disabled = False
        self.last = result
        session_usage().record(result, kind="stream")
        self.prompt.value = ""
        self.transcript.value = self.conversation.to_html()
        report = result.filter_report
        parts = [report.inline_html()] if report.results or not report.passed else []
        parts.append(h.line(h.esc(result.footer_text(with_filters=False)), muted=True))
        self.status.value = "".join(parts)
        self.usage.value = self._usage_html()
        return result


# The public name: ``chat_widget(...)`` builds a ChatWidget (a function-style name, like ``show`` and ``stream``).
chat_widget = ChatWidget
