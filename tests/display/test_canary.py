"""A canary key (and a canary Entra token) sent through every view and error path appears in no output."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from aoai_nb.chat._magics import chat_session
from aoai_nb.chat._widget import chat_widget
from aoai_nb.display import view
from aoai_nb.display._env import PlainSink
from aoai_nb.display._errors import explain
from aoai_nb.display._live import StreamResult
from aoai_nb.display._usage import UsageTracker

from .cases import CASES, HELLO

CANARY = "canary-9f2c4e1a7b3d5e6f"  # the emulator's key: it is sent on every request
WRONG_CANARY = "wrong-canary-5a5a5a5a5a"  # a rejected key: it is sent and must not come back either
SECRETS = (CANARY, WRONG_CANARY)


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def rendered(obj: Any) -> list[str]:
    shown = view(obj)
    return [repr(shown), str(shown), *shown._repr_mimebundle_().values()]


@pytest.fixture(scope="module")
def canary_url() -> Iterator[str]:
    from aoai_nb.emulator import Emulator

    with Emulator(api_key=CANARY, engine="scripted") as emu:
        yield emu.url


ClientFactory = Callable[[str], openai.AzureOpenAI]
FACTORIES: dict[str, ClientFactory] = {
    "api-key": lambda url: openai.AzureOpenAI(azure_endpoint=url, api_key=CANARY, api_version="2024-10-21"),
    "entra-token": lambda url: openai.AzureOpenAI(
        azure_endpoint=url, azure_ad_token_provider=lambda: CANARY, api_version="2024-10-21"
    ),
}


@pytest.fixture(params=sorted(FACTORIES))
def client(request: pytest.FixtureRequest, canary_url: str) -> Iterator[openai.AzureOpenAI]:
    c = FACTORIES[request.param](canary_url)
    yield c
    c.close()


def test_every_view_and_error_case(client: openai.AzureOpenAI) -> None:
    for make in CASES.values():
        assert_clean(*rendered(make(client)))


def test_rejected_key_and_connection_errors(canary_url: str) -> None:
    with openai.AzureOpenAI(azure_endpoint=canary_url, api_key=WRONG_CANARY, api_version="2024-10-21") as bad:
        try:
            bad.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
        except openai.AuthenticationError as exc:
            report = explain(exc)
            assert report.status == 401 and "Cognitive Services OpenAI User" in report.fix
            assert_clean(*rendered(exc))
        else:
            raise AssertionError("a wrong key must be refused")
    with openai.AzureOpenAI(
        azure_endpoint="http://127.0.0.1:9", api_key=CANARY, api_version="2024-10-21", max_retries=0
    ) as nowhere:
        with pytest.raises(openai.APIConnectionError) as info:
            nowhere.chat.completions.create(model="gpt-4o-mini", messages=HELLO)  # type: ignore[arg-type]
        assert_clean(*rendered(info.value))


def test_v1_endpoint_with_bearer_key(canary_url: str) -> None:
    with openai.OpenAI(base_url=f"{canary_url}/openai/v1/", api_key=CANARY) as v1:
        assert_clean(*rendered(v1.chat.completions.create(model="gpt-4o-mini", messages=HELLO)))  # type: ignore[arg-type]
        with pytest.raises(openai.NotFoundError) as info:
            v1.chat.completions.create(model="nope", messages=HELLO)  # type: ignore[arg-type]
        assert_clean(*rendered(info.value))


def test_live_stream_outputs(client: openai.AzureOpenAI) -> None:
    printed = io.StringIO()
    tracker = UsageTracker()
    source = client.chat.completions.create(model="gpt-4o-mini", messages=HELLO, stream=True)  # type: ignore[arg-type]
    result = StreamResult(source, sink=PlainSink(printed), tracker=tracker).wait()
    assert_clean(printed.getvalue(), *rendered(result), *rendered(tracker), repr(result.filter_report))


def test_magics_and_widget(client: openai.AzureOpenAI, capsys: pytest.CaptureFixture[str]) -> None:
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "aoai_nb")
    session = chat_session(ip)
    session.env = "notebook"
    ip.user_ns["canary_client"] = client
    with capture_output() as captured:
        ip.run_cell_magic("chat", "--client canary_client -d gpt-4o-mini --new", "Hello")
        ip.run_cell_magic("chat", "--client canary_client -d no-such-deployment", "Hello")
        ip.run_line_magic("chat", "")
    session.conversation.reset()
    ip.user_ns.pop("canary_client")
    assert len(captured.outputs) >= 3
    assert_clean(captured.stdout, capsys.readouterr().out, *(str(o.data) for o in captured.outputs))
    chat = chat_widget(client, deployment="gpt-4o-mini")
    chat.send("Hello")
    chat.deployment = "no-such-deployment"
    chat.send("Hello")
    assert "404" in chat.status.value
    assert_clean(chat.transcript.value, chat.status.value, chat.usage.value, repr(chat))
    import ipywidgets

    ipywidgets.Widget.close_all()
