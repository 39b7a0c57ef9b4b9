"""POST /v1/responses (issue #22 point 4) through the official OpenAI SDK: client.responses
.create / .stream / .parse. The wire format is checked against the SDK's own pydantic types
(Response.model_validate and the ResponseStreamEvent union validate every field strictly,
unlike the SDK's lenient construct()); the prompt a Responses request builds is checked
against the equivalent chat-completions request (greedy: the same tokens); constraints on a
random-weight model are checked with jsonschema (only a real constraint passes).
Stateless: previous_response_id, item_reference and GET /v1/responses/{id} answer 400/404."""

from __future__ import annotations

import json
from typing import Literal

import jsonschema
import openai
import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from api_helpers import SERVED_NAME

EVENT = pydantic.TypeAdapter(ResponseStreamEvent)

WEATHER = {
    "type": "function", "name": "get_weather", "description": "Weather of a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "maxLength": 8},
        "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"], "additionalProperties": False},
}
TIME = {"type": "function", "name": "get_time", "parameters": {
    "type": "object", "properties": {"zone": {"enum": ["utc", "cet"]}}, "required": ["zone"],
    "additionalProperties": False}}


class Point(pydantic.BaseModel):
    x: int = pydantic.Field(ge=0, le=9)
    y: int = pydantic.Field(ge=0, le=9)
    label: Literal["a", "b", "c"]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)


def raw(server, body):
    status, data = server.json("POST", "/v1/responses", {"model": SERVED_NAME, **body})
    return status, data


def chat_text(server, messages, max_tokens, **extra):
    status, data = server.json("POST", "/v1/chat/completions", {
        "model": SERVED_NAME, "messages": messages, "max_tokens": max_tokens, "temperature": 0, **extra})
    assert status == 200, data
    return data


def stream_events(client, **kw):
    events = []
    with client.responses.create(model=SERVED_NAME, stream=True, **kw) as s:
        for e in s:
            events.append(e)
    for e in events:  # every event as the SDK's strict types define it
        EVENT.validate_python(e.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    return events


def test_text_input_matches_chat_and_sdk_types(server, client):
    r = client.responses.create(model=SERVED_NAME, instructions="Be brief.", input="Say something.",
                                max_output_tokens=12, temperature=0)
    Response.model_validate(r.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert r.id.startswith("resp_") and r.object == "response" and r.store is False
    assert r.instructions == "Be brief." and r.max_output_tokens == 12 and r.temperature == 0
    ref = chat_text(server, [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say something."}], 12)
    assert r.output_text == ref["choices"][0]["message"]["content"]
    assert r.usage.input_tokens == ref["usage"]["prompt_tokens"]
    assert r.usage.output_tokens == ref["usage"]["completion_tokens"]
    assert r.usage.total_tokens == r.usage.input_tokens + r.usage.output_tokens
    assert [o.type for o in r.output] == ["message"] and r.output[0].content[0].type == "output_text"
    if ref["choices"][0]["finish_reason"] == "length":
        assert r.status == "incomplete" and r.incomplete_details.reason == "max_output_tokens"
    else:
        assert r.status == "completed" and r.incomplete_details is None


def test_raw_body_validates_strictly(server):
    status, data = raw(server, {"input": "hi", "max_output_tokens": 4})
    assert status == 200, data
    Response.model_validate(data)
    assert data["status"] == "incomplete" and data["usage"]["output_tokens"] == 4
    assert data["incomplete_details"] == {"reason": "max_output_tokens"}


def test_items_input_is_the_chat_conversation(server, client):
    items = [
        {"type": "message", "role": "developer", "content": "Use tools."},
        {"role": "user", "content": [{"type": "input_text", "text": "Weather in "}, {"type": "input_text", "text": "Oslo?"}]},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": '{"city": "Oslo", "unit": "c"}'},
        {"type": "function_call_output", "call_id": "call_1", "output": "-3 C"},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "It is cold."}]},
        {"type": "message", "role": "user", "content": "And now?"},
    ]
    r = client.responses.create(model=SERVED_NAME, input=items, tools=[WEATHER], max_output_tokens=10, temperature=0)
    tools = [{"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}]
    messages = [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function", "function": {
            "name": "get_weather", "arguments": '{"city": "Oslo", "unit": "c"}'}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "-3 C"},
        {"role": "assistant", "content": "It is cold."},
        {"role": "user", "content": "And now?"},
    ]
    ref = chat_text(server, messages, 10, tools=tools)
    assert r.usage.input_tokens == ref["usage"]["prompt_tokens"]
    assert r.output_text == (ref["choices"][0]["message"]["content"] or "")


def test_stream_event_sequence(server, client):
    events = stream_events(client, input="Tell me a story.", max_output_tokens=8, temperature=0)
    types = [e.type for e in events]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert types == ["response.created", "response.in_progress", "response.output_item.added",
                     "response.content_part.added"] + ["response.output_text.delta"] * len(deltas) + \
        ["response.output_text.done", "response.content_part.done", "response.output_item.done",
         "response.incomplete"]
    assert deltas and all(deltas)
    final = events[-1].response
    Response.model_validate(final.model_dump(mode="json", by_alias=True, exclude_unset=True))
    assert events[0].response.status == "in_progress" and events[0].response.output == []
    assert final.output_text == "".join(deltas) == events[-4].text
    assert final.usage.output_tokens == 8
    whole = client.responses.create(model=SERVED_NAME, input="Tell me a story.", max_output_tokens=8, temperature=0)
    assert whole.output_text == final.output_text

def test_stream_helper_parses(client):
    # The SDK's stream helper accumulates the events into a parsed response (it needs
    # response.completed, so the output is constrained to end within the budget).
    with client.responses.stream(model=SERVED_NAME, input="A point.", text_format=Point, max_output_tokens=60,
                                 temperature=1.0) as s:
        text = "".join(e.delta for e in s if e.type == "response.output_text.delta")
        got = s.get_final_response()
    assert text == got.output_text and isinstance(got.output_parsed, Point)


def test_parse_text_format_pydantic(client):
    for seed in range(6):
        r = client.responses.parse(model=SERVED_NAME, input="A point, please.", text_format=Point,
                                   max_output_tokens=60, temperature=1.0, extra_body={"seed": seed})
        assert r.status == "completed", r
        assert isinstance(r.output_parsed, Point)


def test_text_format_json_schema_and_object_streamed(client):
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 99},
                                               "ok": {"type": "boolean"}},
              "required": ["n", "ok"], "additionalProperties": False}
    fmt = {"format": {"type": "json_schema", "name": "thing", "schema": schema, "strict": True}}
    events = stream_events(client, input="JSON please", text=fmt, max_output_tokens=40, temperature=1.0)
    final = events[-1].response
    assert final.status == "completed" and final.text.format.type == "json_schema"
    jsonschema.validate(json.loads(final.output_text), schema)
    r = client.responses.create(model=SERVED_NAME, input="JSON please", text={"format": {"type": "json_object"}},
                                max_output_tokens=60, temperature=1.0, extra_body={"seed": 3})
    if r.status == "completed":
        assert isinstance(json.loads(r.output_text), dict)
    else:
        assert r.incomplete_details.reason == "max_output_tokens"


def test_forced_tool_calls(client):
    for seed in range(4):
        r = client.responses.create(model=SERVED_NAME, input="weather?", tools=[WEATHER, TIME], tool_choice="required",
                                    parallel_tool_calls=False, max_output_tokens=120, temperature=1.0, extra_body={"seed": seed})
        calls = [o for o in r.output if o.type == "function_call"]
        assert r.status == "completed" and calls, r
        for c in calls:
            assert c.call_id and c.id.startswith("fc_") and c.status == "completed"
            jsonschema.validate(json.loads(c.arguments), {"get_weather": WEATHER, "get_time": TIME}[c.name]["parameters"])
    r = client.responses.create(model=SERVED_NAME, input="time?", tools=[WEATHER, TIME],
                                tool_choice={"type": "function", "name": "get_time"}, max_output_tokens=60, temperature=1.0)
    calls = [o for o in r.output if o.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_time"
    assert json.loads(calls[0].arguments)["zone"] in ("utc", "cet")


def test_forced_tool_call_streamed(client):
    events = stream_events(client, input="weather?", tools=[WEATHER], tool_choice={"type": "function", "name": "get_weather"},
                           parallel_tool_calls=False, max_output_tokens=60, temperature=1.0)
    types = [e.type for e in events]
    i = types.index("response.function_call_arguments.delta")
    assert types[i - 1] == "response.output_item.added" and events[i - 1].item.type == "function_call"
    assert types[i + 1:] == ["response.function_call_arguments.done", "response.output_item.done", "response.completed"]
    done = events[i + 1]
    assert done.arguments == events[i].delta and done.name == "get_weather"
    jsonschema.validate(json.loads(done.arguments), WEATHER["parameters"])
    final = events[-1].response
    assert [o.type for o in final.output] == ["function_call"] and final.output[0].arguments == done.arguments


@pytest.mark.parametrize("body, status, words", [
    ({"input": "hi", "previous_response_id": "resp_123"}, 400, "stateless"),
    ({"input": [{"type": "item_reference", "id": "msg_1"}]}, 400, "stores no responses"),
    ({"input": "hi", "conversation": "conv_1"}, 400, "stateless"),
    ({"input": "hi", "background": True}, 400, "stateless"),
    ({}, 400, "'input' is required"),
    ({"input": [{"role": "user", "content": [{"type": "input_image", "image_url": "http://x"}]}]}, 400, "input_image"),
    ({"input": "hi", "tools": [{"type": "web_search"}]}, 400, "function tools only"),
    ({"input": "hi", "tool_choice": "required"}, 400, "tools"),
    ({"input": "hi", "tools": [WEATHER], "tool_choice": {"type": "function", "name": "nope"}}, 400, "nope"),
    ({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x", "schema": {"type": "strin"}}}}, 400, "invalid json_schema"),
    ({"input": "hi", "text": {"format": {"type": "json_schema", "name": "x",
                                         "schema": {"type": "object", "description": "x" * (1 << 20)}}}}, 400, "over the limit"),
    ({"input": "hi", "text": {"format": {"type": "xml"}}}, 400, "text.format"),
    ({"input": "hi", "max_tokens": 5}, 400, "max_output_tokens"),
    ({"input": "hi", "max_output_tokens": 0}, 400, "max_output_tokens"),
])
def test_bad_requests(server, body, status, words):
    got, data = raw(server, body)
    assert got == status, data
    assert words in data["error"]["message"]
    assert server.request("GET", "/health")[0] == 200


def test_store_is_not_pretended(server, client):
    r = client.responses.create(model=SERVED_NAME, input="hi", store=True, max_output_tokens=2)
    assert r.store is False
    with pytest.raises(openai.NotFoundError, match="stateless"):
        client.responses.retrieve(r.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.delete(r.id)
    with pytest.raises(openai.BadRequestError, match="previous_response_id"):
        client.responses.create(model=SERVED_NAME, input="more", previous_response_id=r.id)
    assert server.json("GET", "/health")[0] == 200


def test_reasoning_items(start_server):
    srv = start_server("--reasoning-parser", "deepseek_r1")
    c = openai.OpenAI(base_url=srv.base_url + "/v1", api_key="unused", max_retries=0)
    r = c.responses.create(model=SERVED_NAME, input="Think.", max_output_tokens=12, temperature=0)
    # deepseek_r1: the prompt opened <think>; the random model never closes it.
    assert r.output[0].type == "reasoning" and r.output[0].content[0].type == "reasoning_text"
    text = r.output[0].content[0].text
    assert text and 0 < r.usage.output_tokens_details.reasoning_tokens <= 12
    ref = chat_text(srv, [{"role": "user", "content": "Think."}], 12)["choices"][0]["message"]
    assert text == ref["reasoning_content"]
    events = stream_events(c, input="Think.", max_output_tokens=12, temperature=0)
    assert [e.type for e in events[2:4]] == ["response.output_item.added", "response.content_part.added"]
    assert events[2].item.type == "reasoning"
    assert "".join(e.delta for e in events if e.type == "response.reasoning_text.delta") == text
    assert events[-1].response.output[0].content[0].text == text
