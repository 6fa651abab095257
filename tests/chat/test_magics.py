"""%load_ext aoai_nb: %%chat streams into the cell and keeps the conversation; %chat shows or resets it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import openai
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from aoai_nb.chat._magics import MagicUsageError, chat_session, parse_chat_args
from aoai_nb.display._live import StreamResult
from tests.display.fakes import AZURE_CUT_STREAM, fake_client, reply, sse


@pytest.fixture
def shell(azure: openai.AzureOpenAI) -> Iterator[InteractiveShell]:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "aoai_nb")
    session = chat_session(ip)
    session.conversation.reset(system="You are a helpful assistant.")
    session.client, session.deployment, session.temperature, session.env = None, None, None, "plain"
    ip.user_ns["c"] = azure
    yield ip
    session.conversation.reset()
    ip.user_ns.pop("c", None)


def test_cell_magic_streams_and_keeps_the_conversation(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.run_cell_magic(
        "chat",
        "--client c --deployment gpt-4o-mini --temperature 0",
        "What's the best way to train a parrot?",
    )
    out = capsys.readouterr().out
    result = shell.user_ns["_chat"]
    assert isinstance(result, StreamResult) and result.done and result.finish_reason == "stop"
    assert out.startswith(result.text) and "finish_reason=stop · ttft" in out
    assert "This conversation has 2 messages (1 from the user)" in result.text  # system + user were sent
    shell.run_cell_magic("chat", "--client c -d gpt-4o-mini", "And a cat?")
    assert "This conversation has 4 messages (2 from the user)" in shell.user_ns["_chat"].text
    turns = chat_session(shell).conversation.turns
    assert [t["role"] for t in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[2]["content"] == "And a cat?"


def test_new_system_and_line_magic(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_cell_magic("chat", "-c c -d gpt-4o-mini", "Hello")
    shell.run_cell_magic("chat", '-c c -d gpt-4o-mini --new --system "Talk like a pirate."', "Hello again")
    session = chat_session(shell)
    assert session.conversation.system == "Talk like a pirate." and len(session.conversation.turns) == 2
    capsys.readouterr()
    shell.run_line_magic("chat", "")
    shown = capsys.readouterr().out
    assert shown.startswith(
        "conversation: 1 exchange (2 messages)\n[system] Talk like a pirate.\n[user] Hello again\n[assistant] "
    )
    shell.run_line_magic("chat", "--reset")
    assert (
        chat_session(shell).conversation.turns == []
        and "conversation: 0 exchanges" in capsys.readouterr().out
    )


def test_line_magic_sets_defaults(shell: InteractiveShell, azure: openai.AzureOpenAI) -> None:
    shell.run_line_magic("chat", "--client c --deployment gpt-4o-mini --temperature 0.5")
    session = chat_session(shell)
    assert session.client is azure and session.deployment == "gpt-4o-mini" and session.temperature == 0.5
    shell.run_cell_magic("chat", "", "Hi")  # no options: the defaults are used
    assert shell.user_ns["_chat"].finish_reason == "stop"


def test_request_carries_the_options() -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append({"url": str(request.url), **json.loads(request.content)})
        return reply(200, sse(*AZURE_CUT_STREAM))

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "aoai_nb")
    session = chat_session(ip)
    session.conversation.reset(system="S")
    session.env = "plain"
    ip.user_ns["fake"] = fake_client(handler)
    ip.run_cell_magic("chat", "--client fake -d my-deployment -t 0.3", "  Tell me a story  ")
    ip.run_cell_magic("chat", "--client fake -d my-deployment --max-tokens 12", "Shorter")
    body, capped = seen
    assert body["max_tokens"] == 256 and capped["max_tokens"] == 12  # a cap by default, or the one asked
    assert "/openai/deployments/my-deployment/chat/completions" in body["url"]
    assert body["messages"] == [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "Tell me a story"},
    ]
    assert (
        body["temperature"] == 0.3
        and body["stream"] is True
        and body["stream_options"] == {"include_usage": True}
    )
    assert session.last is not None and session.last.finish_reason == "content_filter"
    session.conversation.reset()


def test_notebook_output_is_one_display_updated_in_place(shell: InteractiveShell) -> None:
    chat_session(shell).env = "notebook"
    with capture_output() as captured:
        shell.run_cell_magic("chat", "-c c -d gpt-4o-mini", "Hello <script>alert(1)</script>")
    outputs = captured.outputs
    first, *updates = outputs
    display_id = first.transient["display_id"]
    assert updates and all(o.update for o in updates) and not first.update
    assert all(o.transient["display_id"] == display_id for o in updates)
    final = updates[-1].data
    assert final["text/plain"] == shell.user_ns["_chat"].to_text()
    assert (
        "<script>" not in final["text/html"] and "&lt;script&gt;alert(1)&lt;/script&gt;" in final["text/html"]
    )


def test_errors_are_explained_and_leave_the_conversation_alone(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    shell.run_cell_magic("chat", "-c c -d no-such-deployment", "Hello")
    out = capsys.readouterr().out
    assert out.startswith("ErrorReport: 404 NotFoundError\ncode: DeploymentNotFound")
    assert chat_session(shell).conversation.turns == []


def test_usage_errors_say_what_to_do(shell: InteractiveShell) -> None:
    with pytest.raises(UsageError, match="the prompt goes in the cell body"):
        shell.run_cell_magic("chat", "-c c hello there", "x")
    with pytest.raises(UsageError, match="needs a prompt"):
        shell.run_cell_magic("chat", "-c c", "   ")
    with pytest.raises(UsageError, match="invalid float value"):
        shell.run_cell_magic("chat", "-t hot", "x")
    with pytest.raises(UsageError, match="invalid positive whole number value: '0'"):
        shell.run_cell_magic("chat", "--max-tokens 0", "x")
    with pytest.raises(NameError, match="no variable 'nope'"):
        shell.run_cell_magic("chat", "--client nope", "x")


def test_a_bad_option_in_a_cell_prints_one_usage_line_not_a_traceback(shell: InteractiveShell) -> None:
    with capture_output() as captured:
        result = shell.run_cell("%%chat --temperature hot\nTell me a joke.")
    assert not result.success and type(result.error_in_exec) is UsageError
    (line,) = captured.stderr.strip().splitlines()
    assert line.startswith(
        "UsageError: argument --temperature/-t: invalid float value: 'hot'. usage: %%chat "
    )
    assert "--max-tokens" in line and "Traceback" not in captured.stdout + captured.stderr


def test_the_parser_raises_its_own_usage_error_for_code_that_calls_it() -> None:
    with pytest.raises(MagicUsageError, match="invalid float value: 'hot'"):
        parse_chat_args("--temperature hot")
    assert parse_chat_args("-m 64 -t 0.5").max_tokens == 64


@pytest.mark.parametrize(
    ("deployment", "parameter"),
    [("gpt-4o-mini", "max_tokens"), ("my-deployment", "max_tokens"), ("gpt-5-mini", "max_completion_tokens"),
     ("o4-mini", "max_completion_tokens")],
)  # fmt: skip
def test_the_token_cap_goes_in_the_parameter_the_model_takes(deployment: str, parameter: str) -> None:
    seen: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return reply(200, sse(*AZURE_CUT_STREAM))

    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "aoai_nb")
    session = chat_session(ip)
    session.env = "plain"
    ip.user_ns["fake"] = fake_client(handler)
    ip.run_cell_magic("chat", f"--client fake -d {deployment} --new -m 33", "Hi")
    (body,) = seen
    (other,) = {"max_tokens", "max_completion_tokens"} - {parameter}
    assert body[parameter] == 33 and other not in body
    session.conversation.reset()
