"""Two frameworks' Responses paths against the emulator: openai-agents (Agent + Runner on an
OpenAIResponsesModel) and LangChain (AzureChatOpenAI with use_responses_api=True), each with a tool loop."""

from __future__ import annotations

from typing import Any

import openai
import pytest

from tests.responses.conftest import MODEL, PREVIEW


async def test_openai_agents_runner_with_a_function_tool(emulator: Any) -> None:
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    calls: list[str] = []

    @agents.function_tool
    def get_weather(city: str) -> str:
        """The weather in a city."""
        calls.append(city)
        return f"Sunny in {city}, 21 C"

    client = openai.AsyncOpenAI(
        base_url=f"{emulator.url}/openai/v1/", api_key=emulator.api_key, max_retries=0
    )
    try:
        model = agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        agent = agents.Agent(
            name="forecaster", instructions="Use the tools.", model=model, tools=[get_weather]
        )
        result = await agents.Runner.run(agent, "What's the weather in Madrid?")
    finally:
        await client.close()
    assert calls == ["Madrid"]  # the model's function call ran the tool, whose result went back
    assert "get_weather returned" in result.final_output and "Sunny in Madrid" in result.final_output


async def test_openai_agents_streamed_run(emulator: Any) -> None:
    agents = pytest.importorskip("agents")
    agents.set_tracing_disabled(True)
    client = openai.AsyncOpenAI(
        base_url=f"{emulator.url}/openai/v1/", api_key=emulator.api_key, max_retries=0
    )
    try:
        model = agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        agent = agents.Agent(name="echo", instructions="Be brief.", model=model)
        run = agents.Runner.run_streamed(agent, "Stream a hello")
        deltas = [
            e.data.delta
            async for e in run.stream_events()
            if e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
        ]
    finally:
        await client.close()
    assert deltas and "".join(deltas) == run.final_output


def _langchain_on_responses(lc_openai: Any, emulator: Any) -> Any:
    """LangChain's AzureChatOpenAI on the emulator's Responses API (classic preview route), no retries."""
    return lc_openai.AzureChatOpenAI(
        azure_endpoint=emulator.url,
        api_key=emulator.api_key,
        api_version=PREVIEW,
        azure_deployment=MODEL,
        use_responses_api=True,
        max_retries=0,
    )


def test_langchain_azure_chat_openai_on_the_responses_api(emulator: Any) -> None:
    lc_openai = pytest.importorskip("langchain_openai")
    messages = pytest.importorskip("langchain_core.messages")
    llm = _langchain_on_responses(lc_openai, emulator)
    reply = llm.invoke("Hello from LangChain")
    assert "Hello from LangChain" in reply.text
    assert reply.response_metadata.get("id", "").startswith("resp_")

    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"Rain in {city}"

    with_tools = llm.bind_tools([get_weather])
    history: list[Any] = [messages.HumanMessage("What's the weather in Dublin?")]
    ai = with_tools.invoke(history)
    [call] = ai.tool_calls
    assert call["name"] == "get_weather" and call["args"] == {"city": "Dublin"}
    history += [ai, messages.ToolMessage(get_weather(**call["args"]), tool_call_id=call["id"])]
    final = with_tools.invoke(history)
    assert "Rain in Dublin" in final.text


def test_langchain_streams_on_the_responses_api(emulator: Any) -> None:
    lc_openai = pytest.importorskip("langchain_openai")
    llm = _langchain_on_responses(lc_openai, emulator)
    pieces = [chunk.text for chunk in llm.stream("Stream this")]
    assert len(pieces) > 3 and "Stream this" in "".join(pieces)
