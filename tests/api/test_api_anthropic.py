"""The official anthropic SDK against `vllm-cpp serve`: messages.create, messages.stream,
system prompts, stop_sequences, max_tokens, count_tokens, and the raw event sequence.
This SDK version has no temperature argument; it travels in extra_body."""

from __future__ import annotations

import json

import anthropic
import pytest

from api_helpers import SERVED_NAME, sse_events

GREEDY = {"temperature": 0}
MESSAGES = [{"role": "user", "content": "Tell me about the moon."}]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--reasoning-parser", "deepseek_r1")


@pytest.fixture(scope="module")
def client(server):
    return anthropic.Anthropic(base_url=server.base_url, api_key="unused", max_retries=0)


def create(client, **kw):
    kw.setdefault("max_tokens", 10)
    kw.setdefault("messages", MESSAGES)
    extra = dict(GREEDY)
    extra.update(kw.pop("extra", {}))
    # deepseek_r1 puts all text before </think> into a thinking block; with thinking disabled
    # (enable_thinking=false) the parser is off and the text is plain.
    extra.setdefault("thinking", {"type": "disabled"})
    return client.messages.create(model=SERVED_NAME, extra_body=extra, **kw)


def text_of(message) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def prompt_total(usage):
    """Anthropic splits the prompt into uncached input + cache reads (+ cache writes)."""
    return usage.input_tokens + (usage.cache_read_input_tokens or 0) + (usage.cache_creation_input_tokens or 0)


def test_messages_create(client):
    m = create(client, max_tokens=8, extra={"ignore_eos": True})
    assert m.id.startswith("msg_") and m.type == "message" and m.role == "assistant"
    assert m.model == SERVED_NAME
    assert m.stop_reason == "max_tokens"
    assert m.usage.output_tokens == 8 and prompt_total(m.usage) > 3
    assert m.content[0].type == "text" and m.content[0].text


def test_system_prompt_changes_the_prompt(client):
    plain = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES)
    with_system = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES, system="You are a pirate.")
    blocks = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES,
                                          system=[{"type": "text", "text": "You are a pirate."}])
    assert with_system.input_tokens > plain.input_tokens
    assert blocks.input_tokens == with_system.input_tokens
    m = create(client, system="You are a pirate.", max_tokens=3)
    same_settings = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES, system="You are a pirate.",
                                                 extra_body={"thinking": {"type": "disabled"}})
    assert prompt_total(m.usage) == same_settings.input_tokens
    assert same_settings.input_tokens > with_system.input_tokens  # Qwen3 adds an empty think block


def test_stream_matches_create(client):
    full = create(client, max_tokens=12, extra={"ignore_eos": True})
    with client.messages.stream(model=SERVED_NAME, max_tokens=12, messages=MESSAGES,
                                extra_body={**GREEDY, "ignore_eos": True, "thinking": {"type": "disabled"}}) as s:
        streamed = "".join(s.text_stream)
        final = s.get_final_message()
    assert streamed == text_of(full)
    assert final.stop_reason == "max_tokens" and final.usage.output_tokens == 12
    assert text_of(final) == streamed


def test_stop_sequences(client):
    full = text_of(create(client, max_tokens=20, extra={"ignore_eos": True}))
    assert len(full) > 8, full
    stop = full[len(full) // 2: len(full) // 2 + 2]
    m = create(client, max_tokens=20, stop_sequences=[stop], extra={"ignore_eos": True})
    assert text_of(m) == full[: full.find(stop)]
    assert m.stop_reason == "stop_sequence" and m.stop_sequence == stop
    with client.messages.stream(model=SERVED_NAME, max_tokens=20, messages=MESSAGES, stop_sequences=[stop],
                                extra_body={**GREEDY, "ignore_eos": True, "thinking": {"type": "disabled"}}) as s:
        assert "".join(s.text_stream) == text_of(m)
        final = s.get_final_message()
    assert final.stop_reason == "stop_sequence" and final.stop_sequence == stop


def test_raw_event_sequence(server):
    status, headers, body = server.request("POST", "/v1/messages", {
        "model": SERVED_NAME, "max_tokens": 4, "stream": True, "messages": MESSAGES, "temperature": 0,
        "thinking": {"type": "disabled"}})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    frames = sse_events(body)
    names = [e for e, _ in frames]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert names[1] == "content_block_start" and names[-3] == "content_block_stop"
    assert set(names[2:-3]) <= {"content_block_delta"}
    for name, data in frames:
        assert json.loads(data)["type"] == name
    delta = json.loads(frames[-2][1])
    assert delta["delta"]["stop_reason"] in ("end_turn", "max_tokens") and delta["usage"]["output_tokens"] >= 1


def test_reasoning_parser_makes_thinking_blocks(client):
    """deepseek_r1 style: text before </think> is reasoning. The random model never closes
    it, so every generated character must land in the thinking block, streamed or not."""
    plain = text_of(create(client, max_tokens=10, extra={"ignore_eos": True}))
    m = create(client, max_tokens=10, extra={"ignore_eos": True, "thinking": {"type": "enabled", "budget_tokens": 1024}})
    thinking = [b for b in m.content if b.type == "thinking"]
    assert len(thinking) == 1 and text_of(m) == ""
    with client.messages.stream(model=SERVED_NAME, max_tokens=10, messages=MESSAGES,
                                extra_body={**GREEDY, "ignore_eos": True, "thinking": {"type": "enabled", "budget_tokens": 1024}}) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking"]
    assert final.content[0].thinking == thinking[0].thinking
    # Thinking on changes the prompt (no empty think block), so compare lengths loosely.
    assert thinking[0].thinking and plain


def test_openai_reasoning_content(server):
    body = {"model": SERVED_NAME, "messages": MESSAGES, "max_tokens": 6, "temperature": 0, "ignore_eos": True}
    status, r = server.json("POST", "/v1/chat/completions", body)
    msg = r["choices"][0]["message"]
    assert status == 200 and msg["reasoning_content"] and msg["content"] == ""
    status, headers, raw = server.request("POST", "/v1/chat/completions", dict(body, stream=True))
    deltas = [json.loads(d)["choices"][0]["delta"] for _, d in sse_events(raw)[:-1]]
    assert "".join(d.get("reasoning_content", "") for d in deltas) == msg["reasoning_content"]
    status, off = server.json("POST", "/v1/chat/completions",
                              dict(body, chat_template_kwargs={"enable_thinking": False}))
    assert "reasoning_content" not in off["choices"][0]["message"] and off["choices"][0]["message"]["content"]


def test_cache_reads_are_not_input_tokens(client):
    first = create(client, max_tokens=2, extra={"ignore_eos": True})
    again = create(client, max_tokens=2, extra={"ignore_eos": True})
    assert prompt_total(again.usage) == prompt_total(first.usage)
    assert again.usage.cache_read_input_tokens > 0  # the same prompt again hits the prefix cache
    assert again.usage.input_tokens == prompt_total(first.usage) - again.usage.cache_read_input_tokens


def test_tools_and_tool_results(client):
    tools = [{"name": "get_weather", "description": "Weather of a city",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
    base = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES)
    with_tools = client.messages.count_tokens(model=SERVED_NAME, messages=MESSAGES, tools=tools)
    assert with_tools.input_tokens > base.input_tokens + 20
    history = MESSAGES + [
        {"role": "assistant", "content": [{"type": "text", "text": "Let me look."},
                                          {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Oslo"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "cold"}]},
    ]
    m = create(client, messages=history, tools=tools, max_tokens=4)
    assert m.stop_reason in ("end_turn", "max_tokens")
    none = create(client, messages=history, tools=tools, tool_choice={"type": "none"}, max_tokens=4)
    assert prompt_total(none.usage) < prompt_total(m.usage)


def test_errors_use_anthropic_shape(server, client):
    status, body = server.json("POST", "/v1/messages", {"model": SERVED_NAME, "messages": MESSAGES})  # no max_tokens
    assert status == 400
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in body["error"]["message"]
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(model=SERVED_NAME, max_tokens=5, messages=[{"role": "system", "content": "x"}])
    with pytest.raises(anthropic.NotFoundError):
        client.messages.create(model="no-such-model", max_tokens=5, messages=MESSAGES)
