"""A tool call the *model* emits, end to end through the official SDKs: OpenAI chat (plain and
streamed), the round trip that sends the call and the tool's result back, the Anthropic
tool_use / tool_result round trip, and tool_choice "none".

The model is scripted (scripted_model.py): its greedy decode after any chat prompt is
TARGET_TEXT, a Qwen/Hermes <tool_call>. mlx-lm checks that first, live, so every assertion
below stands on the reference's output, not on how the weights were built. Servers here
default to enable_thinking false (scripted_model.py says why).
"""

from __future__ import annotations

import json

import anthropic
import mlx_lm
import openai
import pytest
from mlx_lm.sample_utils import make_sampler
from transformers import AutoTokenizer

import scripted_model
from api_helpers import SERVED_NAME, sse_events
from scripted_model import TARGET_TEXT, TOOL_ARGUMENTS, TOOL_NAME

QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]
PARAMETERS = {"type": "object",
              "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
              "required": ["city"]}
TOOLS = [{"type": "function",
          "function": {"name": TOOL_NAME, "description": "Current weather of a city", "parameters": PARAMETERS}}]
ANTHROPIC_TOOLS = [{"name": TOOL_NAME, "description": "Current weather of a city", "input_schema": PARAMETERS}]
TOOL_RESULT = json.dumps({"temperature": 18, "sky": "clear"})


@pytest.fixture(scope="module")
def tiny_model():
    """Overrides conftest's random model for this module: start_server serves this one."""
    return scripted_model.path()


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--default-chat-template-kwargs", json.dumps(scripted_model.TEMPLATE_KWARGS))


@pytest.fixture(scope="module")
def client(server):
    with openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0) as c:
        yield c


@pytest.fixture(scope="module")
def aclient(server):
    with anthropic.Anthropic(base_url=server.base_url, api_key="unused", max_retries=0) as c:
        yield c


@pytest.fixture(scope="module")
def hf(tiny_model):
    return AutoTokenizer.from_pretrained(str(tiny_model))


def hf_prompt_ids(hf, messages, tools=TOOLS) -> list[int]:
    """transformers' rendering + tokenization of a conversation, as the server must do it."""
    ids = hf.apply_chat_template(messages, tools=tools, add_generation_prompt=True, tokenize=True,
                                 return_dict=False, **scripted_model.TEMPLATE_KWARGS)
    return list(ids["input_ids"] if isinstance(ids, dict) else ids)


@pytest.fixture(scope="module")
def reference(tiny_model, hf):
    """mlx-lm's greedy generation on the chat prompt with tools: (text, number of tokens
    generated, EOS included as the engine counts it)."""
    model, tok = mlx_lm.load(str(tiny_model))
    responses = list(mlx_lm.stream_generate(model, tok, hf_prompt_ids(hf, QUESTION), max_tokens=64,
                                            sampler=make_sampler(temp=0.0)))
    assert responses[-1].finish_reason == "stop", "the script must end with <|im_end|>"
    return "".join(r.text for r in responses), len(responses)


def chat(client, **kw):
    kw.setdefault("messages", QUESTION)
    return client.chat.completions.create(model=SERVED_NAME, temperature=0, max_tokens=64, **kw)


def test_reference_emits_the_tool_call(reference):
    text, num_tokens = reference
    assert text == TARGET_TEXT
    assert num_tokens > 10


@pytest.mark.parametrize("tool_choice", [None, "auto", "required", {"type": "function", "function": {"name": TOOL_NAME}}])
def test_openai_tool_call(client, hf, reference, tool_choice):
    kw = {} if tool_choice is None else {"tool_choice": tool_choice}
    r = chat(client, tools=TOOLS, **kw)
    c = r.choices[0]
    assert c.finish_reason == "tool_calls"
    assert c.message.content in (None, "")
    assert len(c.message.tool_calls) == 1
    call = c.message.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == TOOL_NAME
    assert json.loads(call.function.arguments) == TOOL_ARGUMENTS
    assert r.usage.prompt_tokens == len(hf_prompt_ids(hf, QUESTION))
    assert r.usage.completion_tokens == reference[1]  # the same token chain as mlx-lm


def test_openai_tool_call_streamed(client):
    full = chat(client, tools=TOOLS).choices[0].message.tool_calls[0]
    chunks = list(chat(client, tools=TOOLS, stream=True, stream_options={"include_usage": True}))
    assert len({c.id for c in chunks}) == 1
    calls: dict = {}  # index -> reassembled call, the way SDK users accumulate deltas
    content, finishes = "", []
    for ch in chunks:
        if not ch.choices:
            continue
        d = ch.choices[0].delta
        content += d.content or ""
        if ch.choices[0].finish_reason:
            finishes.append(ch.choices[0].finish_reason)
        for tc in d.tool_calls or []:
            acc = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
            acc["id"] = acc["id"] or tc.id
            if tc.function:
                acc["name"] += tc.function.name or ""
                acc["arguments"] += tc.function.arguments or ""
    assert content == ""
    assert finishes == ["tool_calls"]
    assert list(calls) == [0]
    assert calls[0]["id"].startswith("call_")
    assert calls[0]["name"] == full.function.name == TOOL_NAME
    assert json.loads(calls[0]["arguments"]) == json.loads(full.function.arguments) == TOOL_ARGUMENTS
    assert chunks[-1].usage.completion_tokens > 10


def test_openai_round_trip_with_tool_result(client, server, hf):
    first = chat(client, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    # Clients append the SDK's message object as it came back (content None, refusal None, ...).
    messages = QUESTION + [first.choices[0].message,
                           {"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT}]
    second = chat(client, tools=TOOLS, messages=messages)
    # The reference rendering of the same conversation: arguments as a dict and content "" (HF
    # templates expect both; Qwen3's concatenates content, so null would not render).
    hf_messages = QUESTION + [
        {"role": "assistant", "content": "",
         "tool_calls": [{"id": call.id, "type": "function", "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}}]},
        {"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT},
    ]
    want = hf_prompt_ids(hf, hf_messages)
    assert TOOL_RESULT in hf.decode(want)
    assert second.usage.prompt_tokens == len(want)
    assert second.usage.prompt_tokens > first.usage.prompt_tokens + len(hf.encode(TOOL_RESULT))
    status, tok = server.json("POST", "/tokenize", {"messages": [m if isinstance(m, dict) else m.model_dump()
                                                                 for m in messages], "tools": TOOLS})
    assert status == 200 and tok["tokens"] == want
    # The scripted model answers every turn with the call: a valid second tool call.
    c = second.choices[0]
    assert c.finish_reason == "tool_calls" and c.message.tool_calls[0].function.name == TOOL_NAME


def test_openai_tool_choice_none_leaves_text_and_tools_out(client, server):
    """tool_choice "none": tools stay out of the prompt and nothing is parsed as a call, so
    the model's text comes back as plain content."""
    none = chat(client, tools=TOOLS, tool_choice="none")
    no_tools = chat(client)
    for r in (none, no_tools):
        c = r.choices[0]
        assert c.finish_reason == "stop"
        assert c.message.content == TARGET_TEXT
        assert c.message.tool_calls is None
    assert none.usage.prompt_tokens == no_tools.usage.prompt_tokens
    # Raw JSON: OpenAI omits "tool_calls" when the model called no tool.
    status, body = server.json("POST", "/v1/chat/completions",
                               {"model": SERVED_NAME, "messages": QUESTION, "temperature": 0, "max_tokens": 64})
    assert status == 200 and "tool_calls" not in body["choices"][0]["message"]


def anthropic_create(aclient, **kw):
    kw.setdefault("messages", QUESTION)
    return aclient.messages.create(model=SERVED_NAME, max_tokens=64, tools=ANTHROPIC_TOOLS,
                                   extra_body={"temperature": 0}, **kw)


def test_anthropic_tool_use(aclient):
    m = anthropic_create(aclient)
    assert m.stop_reason == "tool_use"
    assert [b.type for b in m.content] == ["tool_use"]
    block = m.content[0]
    assert block.id.startswith("toolu_") and block.name == TOOL_NAME and block.input == TOOL_ARGUMENTS


def test_anthropic_tool_use_streamed(aclient, server):
    with aclient.messages.stream(model=SERVED_NAME, max_tokens=64, tools=ANTHROPIC_TOOLS, messages=QUESTION,
                                 extra_body={"temperature": 0}) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "tool_use"
    assert [(b.type, b.name, b.input) for b in final.content] == [("tool_use", TOOL_NAME, TOOL_ARGUMENTS)]
    # Raw events: the input arrives as input_json_delta pieces of one tool_use block.
    status, _, raw = server.request("POST", "/v1/messages", {"model": SERVED_NAME, "max_tokens": 64, "stream": True,
                                                             "temperature": 0, "tools": ANTHROPIC_TOOLS,
                                                             "messages": QUESTION})
    assert status == 200
    events = [(e, json.loads(d)) for e, d in sse_events(raw)]
    starts = [d["content_block"] for e, d in events if e == "content_block_start"]
    assert [(b["type"], b["name"], b["input"]) for b in starts] == [("tool_use", TOOL_NAME, {})]
    pieces = [d["delta"]["partial_json"] for e, d in events if e == "content_block_delta"]
    assert json.loads("".join(pieces)) == TOOL_ARGUMENTS
    assert [d["delta"]["stop_reason"] for e, d in events if e == "message_delta"] == ["tool_use"]


def test_anthropic_round_trip_with_tool_result(aclient, hf):
    first = anthropic_create(aclient)
    block = first.content[0]
    history = QUESTION + [{"role": "assistant", "content": first.content},
                          {"role": "user", "content": [{"type": "tool_result", "tool_use_id": block.id,
                                                        "content": TOOL_RESULT}]}]
    second = anthropic_create(aclient, messages=history)
    assert second.stop_reason == "tool_use" and second.content[0].input == TOOL_ARGUMENTS
    # The server renders the tool_use / tool_result turn as the template's tool-call history.
    hf_messages = QUESTION + [
        {"role": "assistant", "content": "",
         "tool_calls": [{"id": block.id, "type": "function", "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}}]},
        {"role": "tool", "tool_call_id": block.id, "content": TOOL_RESULT},
    ]
    counted = aclient.messages.count_tokens(model=SERVED_NAME, tools=ANTHROPIC_TOOLS, messages=history)
    assert counted.input_tokens == len(hf_prompt_ids(hf, hf_messages))


def test_anthropic_tool_choice_none(aclient):
    m = anthropic_create(aclient, tool_choice={"type": "none"})
    assert m.stop_reason == "end_turn"
    assert [(b.type, b.text) for b in m.content] == [("text", TARGET_TEXT)]


RESPONSES_TOOLS = [{"type": "function", "name": TOOL_NAME, "description": "Current weather of a city",
                    "parameters": PARAMETERS}]


def test_responses_tool_call_round_trip(client, server, hf, reference):
    """The Responses API on the same model: the call comes back as a function_call item (tool
    choice auto: parsed, not constrained), streamed as function_call_arguments events, and
    the function_call + function_call_output items sent back render the prompt transformers
    renders for the equivalent chat conversation."""
    first = client.responses.create(model=SERVED_NAME, input="What is the weather in Paris?", tools=RESPONSES_TOOLS,
                                    temperature=0, max_output_tokens=64)
    assert first.status == "completed"
    assert [o.type for o in first.output] == ["function_call"]
    call = first.output[0]
    assert call.name == TOOL_NAME and json.loads(call.arguments) == TOOL_ARGUMENTS and call.call_id.startswith("call_")
    assert first.usage.input_tokens == len(hf_prompt_ids(hf, QUESTION))
    assert first.usage.output_tokens == reference[1]
    with client.responses.stream(model=SERVED_NAME, input="What is the weather in Paris?", tools=RESPONSES_TOOLS,
                                 temperature=0, max_output_tokens=64) as s:
        events = list(s)
    types = [e.type for e in events]
    assert "response.output_text.delta" not in types
    done = next(e for e in events if e.type == "response.function_call_arguments.done")
    assert done.name == TOOL_NAME and json.loads(done.arguments) == TOOL_ARGUMENTS
    assert types[-1] == "response.completed"
    items = [{"role": "user", "content": "What is the weather in Paris?"},
             {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
             {"type": "function_call_output", "call_id": call.call_id, "output": TOOL_RESULT}]
    second = client.responses.create(model=SERVED_NAME, input=items, tools=RESPONSES_TOOLS, temperature=0,
                                     max_output_tokens=64)
    hf_messages = QUESTION + [
        {"role": "assistant", "content": "",
         "tool_calls": [{"id": call.call_id, "type": "function", "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}}]},
        {"role": "tool", "tool_call_id": call.call_id, "content": TOOL_RESULT},
    ]
    assert second.usage.input_tokens == len(hf_prompt_ids(hf, hf_messages))
    assert [o.type for o in second.output] == ["function_call"]
    # tool_choice none: the tools leave the prompt and the text comes back as a message.
    none = client.responses.create(model=SERVED_NAME, input="What is the weather in Paris?", tools=RESPONSES_TOOLS,
                                   tool_choice="none", temperature=0, max_output_tokens=64)
    assert none.output_text == TARGET_TEXT and [o.type for o in none.output] == ["message"]
