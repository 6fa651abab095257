"""chat_widget(): driven through its widget state, no browser."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import openai
import pytest

from aoai_nb.chat._widget import ChatWidget, chat_widget
from aoai_nb.display._usage import session_usage
from tests.display.fakes import AZURE_CUT_STREAM, fake_client, reply, sse


def test_send_streams_into_the_transcript_and_totals_usage(azure: openai.AzureOpenAI) -> None:
    chat = chat_widget(azure, deployment="gpt-4o-mini", system="Talk like a pirate.")
    assert isinstance(chat, ChatWidget)
    values: list[str] = []
    chat.transcript.observe(lambda change: values.append(change["new"]), names="value")
    before = session_usage().total_tokens
    chat.prompt.value = "Hello <script>alert(1)</script>"
    chat.send_button.click()
    result = chat.last
    assert result is not None and result.done and result.finish_reason == "stop"
    assert any("▌" in v for v in values)  # the reply grew in place before it finished
    final = chat.transcript.value
    assert "▌" not in final and "Talk like a pirate." in final
    assert "<script>" not in final and "&lt;script&gt;alert(1)&lt;/script&gt;" in final
    assert chat.prompt.value == "" and chat.send_button.disabled is False
    assert [t["role"] for t in chat.conversation.turns] == ["user", "assistant"]
    assert "content filter: passed" in chat.status.value and "finish_reason=stop" in chat.status.value
    tokens = result.usage.total_tokens
    assert (
        f"1 call · {result.usage.prompt_tokens} prompt" in chat.usage.value
        and f"= {tokens} tokens" in chat.usage.value
    )
    assert session_usage().total_tokens == before + tokens
    chat.send("And again")
    assert chat.tracker.total_tokens == tokens + chat.last.usage.total_tokens  # type: ignore[union-attr]
    assert "2 calls" in chat.usage.value and len(chat.conversation.turns) == 4


def test_prompt_filter_error_is_shown_inline(azure: openai.AzureOpenAI) -> None:
    blocked = azure.with_options(default_headers={"x-aoai-nb-filter": "prompt:violence=high"})
    chat = chat_widget(blocked, deployment="gpt-4o-mini")
    assert chat.send("Hello") is None
    assert (
        "400 BadRequestError" in chat.status.value and "content filter: prompt blocked" in chat.status.value
    )
    assert chat.conversation.turns == [] and chat.send_button.disabled is False


def test_output_cut_shows_the_filter_table(azure: openai.AzureOpenAI) -> None:
    cut = azure.with_options(default_headers={"x-aoai-nb-filter": "output:sexual=medium"})
    chat = chat_widget(cut, deployment="gpt-4o-mini")
    result = chat.send("Hello")
    assert result is not None and result.finish_reason == "content_filter"
    assert "content filter: output cut" in chat.status.value and "<b>filtered</b>" in chat.status.value


def test_unknown_deployment_explained(azure: openai.AzureOpenAI) -> None:
    chat = chat_widget(azure, deployment="no-such-deployment")
    chat.send("Hello")
    assert "404 NotFoundError" in chat.status.value and "Check the deployment name" in chat.status.value


def test_controls_reach_the_request_and_new_chat_resets() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return reply(200, sse(*AZURE_CUT_STREAM))

    chat = chat_widget(fake_client(handler), deployment="d", temperature=0.2)
    chat.temperature.value = 1.3
    chat.system.value = "Be brief."
    chat.send("Hi")
    assert seen[0]["temperature"] == 1.3 and seen[0]["messages"][0] == {
        "role": "system",
        "content": "Be brief.",
    }
    assert seen[0]["max_tokens"] == 256  # capped by default
    chat.max_tokens.value = 40
    chat.send("Again")
    assert seen[1]["max_tokens"] == 40
    chat.new_button.click()
    assert chat.conversation.turns == [] and chat.status.value == ""


def test_empty_prompt_asks_for_one(azure: openai.AzureOpenAI) -> None:
    chat = chat_widget(azure, deployment="gpt-4o-mini")
    chat.prompt.value = "   "
    chat.send_button.click()
    assert "Type a prompt first." in chat.status.value and chat.last is None


def test_widget_displays_its_box() -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    chat = chat_widget(fake_client(lambda r: reply(200, sse(*AZURE_CUT_STREAM))), deployment="d")
    with capture_output() as captured:
        display(chat)
    (output,) = captured.outputs
    assert output.data["application/vnd.jupyter.widget-view+json"]["model_id"] == chat.box.model_id
    assert repr(chat) == "<ChatWidget 0 exchanges (0 messages), 0 tokens>"


@pytest.fixture(autouse=True)
def _close_widgets() -> Any:
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


def test_one_exchange_is_counted_as_one_and_labels_are_whole(azure: openai.AzureOpenAI) -> None:
    chat = chat_widget(azure, deployment="gpt-4o-mini", max_tokens=30)
    chat.send("Hello")
    assert "conversation: 1 exchange (2 messages)" in chat.transcript.value
    assert repr(chat).startswith("<ChatWidget 1 exchange (2 messages), ")
    for control in (chat.temperature, chat.max_tokens):
        assert control.style.description_width == "initial"  # the label is never cut to "Temperat..."
    assert chat.last is not None and chat.last.completion_tokens is not None
    assert chat.last.completion_tokens <= 30
