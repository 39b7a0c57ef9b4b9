"""What real clients expect of errors, defaults and names (issue #23, points 2-4): context-length
errors that the openai and anthropic SDKs and LiteLLM classify, max_tokens defaulting to the
remaining context, model-name aliases, un-prefixed routes, HEAD and /version, the deprecated
functions API, `suffix`, and usage that agrees between stream and non-stream."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import anthropic
import openai
import pytest

from api_helpers import SERVED_NAME, Server, free_port, sse_events
from clients_helpers import model_path

LONG_TEXT = "hello " * 3000  # ~3,000 tokens: over the suite's --max-model-len 2048


@pytest.fixture(scope="module")
def server(vllm_bin, tiny_model):
    # Server() passes --served-model-name SERVED_NAME; a repeated vector flag appends (as nargs="+").
    s = Server(vllm_bin, tiny_model, ["--served-model-name", "alias-one", "gpt-4o-mini"])
    yield s
    assert s.stop() == 0, s.log_text()


@pytest.fixture(scope="module")
def oai(server):
    return openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)


# --- point 2: classifiable context errors -------------------------------------------------

def test_openai_context_length_exceeded(oai):
    for call in (lambda: oai.chat.completions.create(model=SERVED_NAME, messages=[{"role": "user", "content": LONG_TEXT}]),
                 lambda: oai.completions.create(model=SERVED_NAME, prompt=LONG_TEXT),
                 lambda: oai.completions.create(model=SERVED_NAME, prompt="hi", max_tokens=2048)):
        with pytest.raises(openai.BadRequestError) as e:
            call()
        assert e.value.code == "context_length_exceeded", e.value.body
        msg = e.value.message
        assert "maximum context length is 2048 tokens" in msg and "--max-model-len" in msg and "--kv-cache-memory" in msg


def test_anthropic_prompt_too_long(server):
    client = anthropic.Anthropic(base_url=server.base_url, api_key="unused", max_retries=0)
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model=SERVED_NAME, max_tokens=16, messages=[{"role": "user", "content": LONG_TEXT}])
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert e.value.body["error"]["message"].startswith("prompt is too long: ")
    assert "> 2048 maximum" in e.value.body["error"]["message"]


def test_litellm_context_window_exceeded_openai_and_anthropic(server):
    import litellm
    messages = [{"role": "user", "content": LONG_TEXT}]
    with pytest.raises(litellm.ContextWindowExceededError):
        litellm.completion(model=f"openai/{SERVED_NAME}", api_base=server.base_url + "/v1", api_key="unused",
                           messages=messages, max_tokens=8, num_retries=0)
    with pytest.raises(litellm.ContextWindowExceededError):
        litellm.completion(model=f"anthropic/{SERVED_NAME}", api_base=server.base_url, api_key="unused",
                           messages=messages, max_tokens=8, num_retries=0)
    # and an ordinary request through both providers works
    r = litellm.completion(model=f"openai/{SERVED_NAME}", api_base=server.base_url + "/v1", api_key="unused",
                           messages=[{"role": "user", "content": "hi"}], max_tokens=4)
    assert r.usage.completion_tokens <= 4
    r = litellm.completion(model=f"anthropic/{SERVED_NAME}", api_base=server.base_url, api_key="unused",
                           messages=[{"role": "user", "content": "hi"}], max_tokens=4)
    assert r.usage.completion_tokens <= 4


def test_max_model_len_clamped_to_kv_cache(vllm_bin, tiny_model):
    s = Server(vllm_bin, tiny_model, ["--num-kv-blocks", "40", "--block-size", "16"], {"--max-model-len": 100000})
    try:
        status, models = s.json("GET", "/v1/models")
        assert models["data"][0]["max_model_len"] == 640
        assert "clamped to 640 tokens" in s.log_text() and "--kv-cache-memory" in s.log_text()
        status, body = s.json("POST", "/v1/completions", {"prompt": "hello " * 700, "max_tokens": 4})
        assert status == 400 and body["error"]["code"] == "context_length_exceeded"
        assert "maximum context length is 640 tokens" in body["error"]["message"]
    finally:
        assert s.stop() == 0


def test_default_server_12k_prompt(vllm_bin):
    """The default random-weight server (embedded Qwen3-0.6B preset, 1 GiB KV cache): a 12k-token
    prompt is too long for what the cache holds and fails with the code LiteLLM classifies."""
    import litellm
    port = free_port()
    proc = subprocess.Popen([str(vllm_bin), "serve", "--load-format", "dummy", "--port", str(port),
                             "--threads", os.environ.get("VLLM_CPP_THREADS", "2")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0)
        deadline = time.time() + 180
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                models = client.models.list()
                break
            except openai.APIConnectionError:
                assert time.time() < deadline
                time.sleep(0.5)
        max_len = models.data[0].model_extra["max_model_len"]
        assert max_len < 12000
        with pytest.raises(litellm.ContextWindowExceededError):
            litellm.completion(model="openai/" + models.data[0].id, api_base=base + "/v1", api_key="unused",
                               messages=[{"role": "user", "content": "hello " * 12000}], num_retries=0)
    finally:
        proc.terminate()
        proc.wait(timeout=60)


# --- point 3: defaults, names, routes -----------------------------------------------------

def test_no_max_tokens_means_remaining_context(vllm_bin, tiny_model):
    s = Server(vllm_bin, tiny_model, [], {"--max-model-len": 96})
    try:
        ids = list(range(1000, 1030))
        status, r = s.json("POST", "/v1/completions", {"prompt": ids, "ignore_eos": True})
        assert status == 200, r
        assert r["usage"]["completion_tokens"] == 96 - 30 and r["choices"][0]["finish_reason"] == "length"
    finally:
        assert s.stop() == 0
    s = Server(vllm_bin, tiny_model, ["--max-tokens", "7"], {"--max-model-len": 96})
    try:
        status, r = s.json("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "hi"}],
                                                            "ignore_eos": True})
        assert status == 200 and r["usage"]["completion_tokens"] == 7, r
    finally:
        assert s.stop() == 0


def test_served_model_name_aliases(server, oai):
    ids = [m.id for m in oai.models.list().data]
    assert ids == [SERVED_NAME, "alias-one", "gpt-4o-mini"]
    for name in ids:
        r = oai.chat.completions.create(model=name, messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        assert r.choices[0].message is not None
        assert oai.models.retrieve(name).id == name
    with pytest.raises(openai.NotFoundError):
        oai.chat.completions.create(model="nope", messages=[{"role": "user", "content": "hi"}], max_tokens=2)


def test_unprefixed_routes_head_and_version(server):
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)  # no /v1
    assert client.models.list().data[0].id == SERVED_NAME
    assert client.chat.completions.create(model=SERVED_NAME, messages=[{"role": "user", "content": "hi"}],
                                          max_tokens=2).usage.completion_tokens <= 2
    assert client.completions.create(model=SERVED_NAME, prompt="hi", max_tokens=2).usage.completion_tokens <= 2
    for path in ("/health", "/v1/models", "/models"):
        status, hdrs, body = server.request("HEAD", path)
        assert status == 200 and body == b"", (path, status, body)
    status, body = server.json("GET", "/version")
    assert status == 200 and isinstance(body["version"], str) and body["version"]


def test_legacy_functions_through_the_sdk(oai):
    fn = {"name": "get_weather", "description": "Weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    msgs = [{"role": "user", "content": "Weather in Paris?"}]
    legacy = oai.chat.completions.create(model=SERVED_NAME, messages=msgs, max_tokens=1, functions=[fn],
                                         function_call="auto")
    modern = oai.chat.completions.create(model=SERVED_NAME, messages=msgs, max_tokens=1,
                                         tools=[{"type": "function", "function": fn}], tool_choice="auto")
    assert legacy.usage.prompt_tokens == modern.usage.prompt_tokens


def test_legacy_functions_map_to_tools(server):
    fn = {"name": "get_weather", "description": "Weather in a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
    msgs = [{"role": "user", "content": "Weather in Paris?"}]
    base = {"model": SERVED_NAME, "messages": msgs, "max_tokens": 1}
    _, with_tools = server.json("POST", "/v1/chat/completions", {**base, "tools": [{"type": "function", "function": fn}]})
    _, with_functions = server.json("POST", "/v1/chat/completions", {**base, "functions": [fn]})
    _, plain = server.json("POST", "/v1/chat/completions", base)
    assert with_functions["usage"]["prompt_tokens"] == with_tools["usage"]["prompt_tokens"]
    assert with_functions["usage"]["prompt_tokens"] > plain["usage"]["prompt_tokens"] + 20
    # a legacy round trip: the assistant's function_call and the role "function" result
    history = msgs + [{"role": "assistant", "content": None, "function_call": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
                      {"role": "function", "name": "get_weather", "content": "sunny"}]
    history_tools = msgs + [{"role": "assistant", "content": None, "tool_calls": [
        {"id": "get_weather", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "get_weather", "name": "get_weather", "content": "sunny"}]
    s1, legacy = server.json("POST", "/v1/chat/completions", {**base, "messages": history, "functions": [fn], "function_call": "auto"})
    s2, modern = server.json("POST", "/v1/chat/completions", {**base, "messages": history_tools,
                                                              "tools": [{"type": "function", "function": fn}], "tool_choice": "auto"})
    assert s1 == s2 == 200, (legacy, modern)
    assert legacy["usage"]["prompt_tokens"] == modern["usage"]["prompt_tokens"]
    status, both = server.json("POST", "/v1/chat/completions", {**base, "functions": [fn],
                                                                "tools": [{"type": "function", "function": fn}]})
    assert status == 400 and "functions" in both["error"]["message"]


def test_suffix_fill_in_the_middle(server, vllm_bin):
    # Qwen3's tokenizer has <|fim_prefix|> <|fim_suffix|> <|fim_middle|>: prefix-suffix-middle.
    _, pre = server.json("POST", "/tokenize", {"prompt": "def add(a, b):\n", "add_special_tokens": False})
    _, suf = server.json("POST", "/tokenize", {"prompt": "\n    return c\n", "add_special_tokens": False})
    status, r = server.json("POST", "/v1/completions", {"model": SERVED_NAME, "prompt": "def add(a, b):\n",
                                                        "suffix": "\n    return c\n", "max_tokens": 2})
    assert status == 200, r
    assert r["usage"]["prompt_tokens"] == len(pre["tokens"]) + len(suf["tokens"]) + 3
    # Llama 3's tokenizer has no FIM tokens: a 400 that says so.
    s = Server(vllm_bin, model_path("llama-f32-tied"), [])
    try:
        status, r = s.json("POST", "/v1/completions", {"prompt": "x = ", "suffix": "\n", "max_tokens": 2})
        assert status == 400 and "fill-in-the-middle" in r["error"]["message"] and r["error"]["param"] == "suffix"
    finally:
        assert s.stop() == 0


# --- point 4: usage agrees between message_start / message_delta, stream / non-stream ------

def test_anthropic_usage_on_prefix_cache_hit(server):
    content = "Tell me about the history of the city of Paris in a few words please. " * 4
    body = {"model": SERVED_NAME, "max_tokens": 4, "messages": [{"role": "user", "content": content}]}
    server.json("POST", "/v1/messages", body)  # warms the prefix cache
    status, _, raw = server.request("POST", "/v1/messages", {**body, "stream": True})
    assert status == 200
    events = {e: json.loads(d) for e, d in sse_events(raw) if e in ("message_start", "message_delta")}
    start = events["message_start"]["message"]["usage"]
    delta = events["message_delta"]["usage"]
    assert start["cache_read_input_tokens"] > 0
    assert start["input_tokens"] == delta["input_tokens"]
    assert start["cache_read_input_tokens"] == delta["cache_read_input_tokens"]
    _, whole = server.json("POST", "/v1/messages", body)
    assert whole["usage"]["input_tokens"] == start["input_tokens"]
    assert whole["usage"]["cache_read_input_tokens"] == start["cache_read_input_tokens"]


def test_openai_cached_tokens_stream_and_non_stream(server, oai):
    messages = [{"role": "user", "content": "Describe the river Seine and its bridges in detail. " * 4}]
    oai.chat.completions.create(model=SERVED_NAME, messages=messages, max_tokens=2)
    whole = oai.chat.completions.create(model=SERVED_NAME, messages=messages, max_tokens=2)
    usage = None
    for chunk in oai.chat.completions.create(model=SERVED_NAME, messages=messages, max_tokens=2, stream=True,
                                             stream_options={"include_usage": True}):
        usage = chunk.usage or usage
    assert whole.usage.prompt_tokens_details.cached_tokens > 0
    assert usage.prompt_tokens_details.cached_tokens == whole.usage.prompt_tokens_details.cached_tokens
    assert usage.prompt_tokens == whole.usage.prompt_tokens
