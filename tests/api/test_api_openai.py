"""The official openai SDK against `vllm-cpp serve` (chat, completions, streaming, n, logprobs,
seeds, stops, lengths, tools, models) plus metrics. The model is a tiny random Qwen3, so
assertions are about protocol and self-consistency, never about wording."""

from __future__ import annotations

import json

import openai
import pytest

from api_helpers import SERVED_NAME, sse_events

PROMPT = [{"role": "user", "content": "Write a short poem about the sea."}]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--enable-metrics", "--max-tokens", "24")


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused", max_retries=0)


def greedy_chat(client, messages=PROMPT, **kw):
    kw.setdefault("max_tokens", 12)
    return client.chat.completions.create(model=SERVED_NAME, messages=messages, temperature=0, **kw)


def test_models_list(client):
    models = client.models.list()
    assert [m.id for m in models] == [SERVED_NAME]
    assert models.data[0].object == "model"
    assert client.models.retrieve(SERVED_NAME).id == SERVED_NAME
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("gpt-4o")


def test_chat_non_stream_shape(client):
    r = greedy_chat(client, max_tokens=10, extra_body={"ignore_eos": True})
    assert r.id.startswith("chatcmpl-")
    assert r.object == "chat.completion"
    assert r.model == SERVED_NAME
    assert len(r.choices) == 1
    c = r.choices[0]
    assert c.index == 0 and c.message.role == "assistant"
    assert isinstance(c.message.content, str) and c.message.content
    assert c.message.tool_calls is None  # OpenAI omits the key when no tool was called
    assert c.finish_reason == "length"  # ignore_eos + max_tokens
    assert r.usage.completion_tokens == 10
    assert r.usage.prompt_tokens > 5
    assert r.usage.total_tokens == r.usage.prompt_tokens + 10
    assert r.usage.prompt_tokens_details.cached_tokens >= 0


def test_chat_stream_equals_non_stream_with_usage(client):
    full = greedy_chat(client, max_tokens=16)
    chunks = list(client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, temperature=0, max_tokens=16,
                                                 stream=True, stream_options={"include_usage": True}))
    ids = {c.id for c in chunks}
    assert len(ids) == 1 and ids.pop().startswith("chatcmpl-")
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert text == full.choices[0].message.content
    assert finishes == [full.choices[0].finish_reason]
    assert chunks[-1].choices == [] and chunks[-1].usage is not None  # the usage chunk comes last
    assert chunks[-1].usage.completion_tokens == full.usage.completion_tokens
    assert chunks[-1].usage.prompt_tokens == full.usage.prompt_tokens
    # Without include_usage no chunk carries usage.
    plain = list(client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, temperature=0, max_tokens=4, stream=True))
    assert all(c.usage is None for c in plain) and all(c.choices for c in plain)


def test_raw_sse_framing_ends_with_done(server):
    status, headers, body = server.request("POST", "/v1/chat/completions",
                                           {"model": SERVED_NAME, "messages": PROMPT, "max_tokens": 3, "stream": True})
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    frames = sse_events(body)
    assert frames[-1] == (None, "[DONE]")
    for _, data in frames[:-1]:
        json.loads(data)


def test_max_tokens_gives_length(client):
    r = greedy_chat(client, max_tokens=3, extra_body={"ignore_eos": True})
    assert r.choices[0].finish_reason == "length"
    assert r.usage.completion_tokens == 3
    r = greedy_chat(client, max_completion_tokens=2, extra_body={"ignore_eos": True})
    assert r.usage.completion_tokens == 2


def test_n2_choices(client):
    r = client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, n=2, max_tokens=8, temperature=1.0, seed=5,
                                       extra_body={"ignore_eos": True})
    assert [c.index for c in r.choices] == [0, 1]
    assert r.usage.completion_tokens == 16
    # Streaming n=2: both indexes appear, each finishes once.
    chunks = list(client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, n=2, max_tokens=5, temperature=1.0,
                                                 seed=5, stream=True, extra_body={"ignore_eos": True}))
    finished = sorted(c.choices[0].index for c in chunks if c.choices[0].finish_reason)
    assert finished == [0, 1]
    texts = ["".join(c.choices[0].delta.content or "" for c in chunks if c.choices[0].index == i) for i in (0, 1)]
    assert texts == [c.message.content for c in client.chat.completions.create(
        model=SERVED_NAME, messages=PROMPT, n=2, max_tokens=5, temperature=1.0, seed=5,
        extra_body={"ignore_eos": True}).choices]


def test_seeded_sampling_is_reproducible(client):
    def sample(seed):
        return client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, max_tokens=12, temperature=1.0,
                                              seed=seed, extra_body={"ignore_eos": True}).choices[0].message.content
    a, b, c = sample(1234), sample(1234), sample(999)
    assert a == b
    assert a != c  # 12 tokens from a 150k vocabulary at temperature 1: a collision would be a seed bug


def test_chat_logprobs(client, server):
    r = greedy_chat(client, max_tokens=5, logprobs=True, top_logprobs=3, extra_body={"ignore_eos": True})
    content = r.choices[0].logprobs.content
    assert len(content) == 5
    for entry in content:
        assert entry.logprob <= 0
        assert len(entry.top_logprobs) == 3
        top = [t.logprob for t in entry.top_logprobs]
        assert top == sorted(top, reverse=True)
        assert entry.token == entry.top_logprobs[0].token  # greedy picks the most likely token
        assert abs(entry.logprob - top[0]) < 1e-4
        assert all(0 <= b < 256 for b in entry.bytes) and entry.bytes
    assert r.usage.completion_tokens == len(content)


def test_stop_string(client):
    full = greedy_chat(client, max_tokens=20, extra_body={"ignore_eos": True}).choices[0].message.content
    assert len(full) > 8, full
    stop = full[len(full) // 2: len(full) // 2 + 2]
    expected = full[: full.find(stop)]
    r = greedy_chat(client, max_tokens=20, stop=[stop], extra_body={"ignore_eos": True})
    assert r.choices[0].message.content == expected
    assert r.choices[0].finish_reason == "stop"
    # The same through a stream.
    chunks = list(client.chat.completions.create(model=SERVED_NAME, messages=PROMPT, temperature=0, max_tokens=20,
                                                 stop=stop, stream=True, extra_body={"ignore_eos": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == expected


def test_stop_token_ids_and_min_tokens(client, server):
    r = greedy_chat(client, max_tokens=6, logprobs=True, extra_body={"ignore_eos": True})
    tokens = [e.token for e in r.choices[0].logprobs.content]
    # Find a generated token whose text maps back to exactly one id (true for ordinary tokens).
    k, stop_id = None, None
    for i in range(1, len(tokens)):
        status, tok = server.json("POST", "/tokenize", {"prompt": tokens[i], "add_special_tokens": False})
        if status == 200 and len(tok["tokens"]) == 1 and tokens[i] not in tokens[:i]:
            k, stop_id = i, tok["tokens"][0]
            break
    assert k is not None, tokens
    r2 = greedy_chat(client, max_tokens=6, extra_body={"ignore_eos": True, "stop_token_ids": [stop_id]})
    assert r2.choices[0].finish_reason == "stop"
    assert r2.usage.completion_tokens == k + 1
    # min_tokens masks stop ids until reached: with min_tokens=6 the request runs to its length.
    r3 = greedy_chat(client, max_tokens=6, extra_body={"ignore_eos": True, "stop_token_ids": [stop_id], "min_tokens": 6})
    assert r3.usage.completion_tokens == 6 and r3.choices[0].finish_reason == "length"


def test_completions(client):
    r = client.completions.create(model=SERVED_NAME, prompt="The capital of France is", max_tokens=6, temperature=0,
                                  extra_body={"ignore_eos": True})
    assert r.id.startswith("cmpl-") and r.object == "text_completion"
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 6
    text = r.choices[0].text
    stream = list(client.completions.create(model=SERVED_NAME, prompt="The capital of France is", max_tokens=6,
                                            temperature=0, stream=True, extra_body={"ignore_eos": True}))
    assert "".join(c.choices[0].text for c in stream) == text
    echo = client.completions.create(model=SERVED_NAME, prompt="The capital of France is", max_tokens=6, temperature=0,
                                     echo=True, extra_body={"ignore_eos": True})
    assert echo.choices[0].text == "The capital of France is" + text


def test_completions_token_prompts_batch_and_logprobs(client, server):
    status, tok = server.json("POST", "/tokenize", {"prompt": "Hello there"})
    assert status == 200
    ids = tok["tokens"]
    by_text = client.completions.create(model=SERVED_NAME, prompt="Hello there", max_tokens=5, temperature=0,
                                        extra_body={"ignore_eos": True})
    by_ids = client.completions.create(model=SERVED_NAME, prompt=ids, max_tokens=5, temperature=0,
                                       extra_body={"ignore_eos": True})
    assert by_ids.choices[0].text == by_text.choices[0].text
    batch = client.completions.create(model=SERVED_NAME, prompt=["Hello there", "Bonjour"], max_tokens=5, temperature=0,
                                      logprobs=2, extra_body={"ignore_eos": True})
    assert [c.index for c in batch.choices] == [0, 1]
    assert batch.choices[0].text == by_text.choices[0].text
    lp = batch.choices[0].logprobs
    assert len(lp.tokens) == 5 and len(lp.token_logprobs) == 5 and len(lp.top_logprobs) == 5
    assert "".join(lp.tokens) == batch.choices[0].text
    assert lp.text_offset[0] == 0 and lp.text_offset[1] == len(lp.tokens[0])
    assert batch.usage.completion_tokens == 10


def test_tools_reach_the_chat_template(client, server):
    """Tool schemas are rendered by the model's chat template (Qwen3's <tools> section).

    A random-weight model never emits a <tool_call>; the parsing half of the round trip (model
    text -> tool_calls, finish_reason tool_calls) runs on a scripted model in
    test_tool_call_roundtrip.py (and in src/api/tool_call_parser_test.cc); here we test the
    prompt side on this model."""
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                               "parameters": {"type": "object",
                                                              "properties": {"city": {"type": "string"}},
                                                              "required": ["city"]}}}]
    status, tok = server.json("POST", "/tokenize", {"messages": PROMPT, "tools": tools})
    assert status == 200
    status, text = server.json("POST", "/detokenize", {"tokens": tok["tokens"]})
    prompt = text["prompt"]
    assert "<tools>" in prompt and '"name": "get_weather"' in prompt and '"required": ["city"]' in prompt
    r = greedy_chat(client, max_tokens=4, tools=tools, tool_choice="auto")
    assert r.choices[0].finish_reason in ("stop", "length")
    assert r.usage.prompt_tokens == len(tok["tokens"])
    # tool_choice "none" leaves the tools out of the prompt.
    r_none = greedy_chat(client, max_tokens=4, tools=tools, tool_choice="none")
    assert r_none.usage.prompt_tokens < r.usage.prompt_tokens


def test_tool_call_round_trip_history(client, server):
    """The assistant's tool call and the tool's result go back through the template."""
    messages = PROMPT + [
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": json.dumps({"city": "Oslo"})}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "cold and windy"},
    ]
    status, tok = server.json("POST", "/tokenize", {"messages": messages})
    status, text = server.json("POST", "/detokenize", {"tokens": tok["tokens"]})
    prompt = text["prompt"]
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Oslo"}}\n</tool_call>' in prompt
    assert "<tool_response>\ncold and windy\n</tool_response>" in prompt
    r = greedy_chat(client, messages=messages, max_tokens=4)
    assert r.usage.prompt_tokens == len(tok["tokens"])


def test_chat_template_kwargs_and_continue_final_message(client, server):
    on = greedy_chat(client, max_tokens=2)
    off = greedy_chat(client, max_tokens=2, extra_body={"chat_template_kwargs": {"enable_thinking": False}})
    # enable_thinking=false makes Qwen3's template append an empty <think></think> block.
    assert off.usage.prompt_tokens > on.usage.prompt_tokens
    cont = [{"role": "user", "content": "Count:"}, {"role": "assistant", "content": "one, two,"}]
    status, tok = server.json("POST", "/tokenize", {"messages": cont, "add_generation_prompt": False})
    r = greedy_chat(client, messages=cont, max_tokens=3,
                    extra_body={"continue_final_message": True, "add_generation_prompt": False})
    assert r.usage.prompt_tokens < len(tok["tokens"])  # the end-of-turn tokens were cut
    status, text = server.json("POST", "/detokenize", {"tokens": tok["tokens"]})
    assert text["prompt"].rstrip().endswith("<|im_end|>")


def test_metrics(server, client):
    greedy_chat(client, max_tokens=3)
    status, headers, body = server.request("GET", "/metrics")
    assert status == 200
    text = body.decode()
    for name in ("vllm_cpp_http_requests_total", "vllm_cpp_time_to_first_token_seconds_bucket",
                 "vllm_cpp_time_per_output_token_seconds_count", "vllm_cpp_e2e_request_latency_seconds_sum",
                 "vllm_cpp_prompt_tokens_total", "vllm_cpp_generation_tokens_total", "vllm_cpp_num_requests_running",
                 "vllm_cpp_num_requests_waiting", "vllm_cpp_kv_cache_usage_ratio", "vllm_cpp_prefix_cache_queries_total",
                 "vllm_cpp_prefix_cache_hits_total", "vllm_cpp_num_preemptions_total"):
        assert f"\n{name}" in text, name
    ok = [l for l in text.splitlines() if l.startswith('vllm_cpp_http_requests_total{endpoint="/v1/chat/completions",status="200"}')]
    assert ok and float(ok[0].split()[-1]) >= 1
    gen = [l for l in text.splitlines() if l.startswith("vllm_cpp_generation_tokens_total ")]
    assert float(gen[0].split()[-1]) >= 3


def test_status_and_cache_reset(server, client):
    long_prompt = [{"role": "user", "content": "word " * 80}]
    greedy_chat(client, messages=long_prompt, max_tokens=2)
    second = greedy_chat(client, messages=long_prompt, max_tokens=2)
    assert second.usage.prompt_tokens_details.cached_tokens >= 64  # prefix cache hit
    status, st = server.json("GET", "/v1/status")
    assert status == 200
    assert st["num_running"] == 0 and st["num_waiting"] == 0
    assert st["kv_cache"]["blocks_total"] > 0 and st["prefix_cache"]["hit_tokens"] >= 64
    status, _ = server.json("DELETE", "/v1/cache")
    assert status == 200
    third = greedy_chat(client, messages=long_prompt, max_tokens=2)
    assert third.usage.prompt_tokens_details.cached_tokens == 0
