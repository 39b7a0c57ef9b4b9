"""Hostile input (issue 21): every request below gets a 4xx, never a crash, a hang or a 5xx,
and after all of them the server answers a normal request in its usual time. `make
test-asan` runs this module again against the ASan + UBSan build of vllm-cpp.

Cases: JSON nested a million levels deep in every field (body, messages, tools, tool-call
arguments strings, chat_template_kwargs, /tokenize, Anthropic tool inputs), 16 MB bodies,
10,000 stop strings, huge logit_bias, invalid UTF-8 in every string field, truncated
bodies, wrong Content-Type, bad Host and Origin, malformed HTTP."""

from __future__ import annotations

import json
import time

import pytest

from api_helpers import SERVED_NAME
from raw_http import connect, post_bytes, raw_request, read_response

READ_TIMEOUT_S = 3
DEEP = 1_000_000  # 2 MB of brackets: the depth that killed the process before the fix
MSG = [{"role": "user", "content": "hi"}]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--request-read-timeout", READ_TIMEOUT_S)


def normal_chat():
    return {"model": SERVED_NAME, "messages": MSG, "max_tokens": 4, "temperature": 0}


def timed_normal(server) -> float:
    t0 = time.time()
    status, body = server.json("POST", "/v1/chat/completions", normal_chat())
    assert status == 200, body
    return time.time() - t0


@pytest.fixture(scope="module")
def baseline(server) -> float:
    timed_normal(server)  # warm up
    return min(timed_normal(server) for _ in range(3))


def expect_4xx(server, status, raw, want=None, needle=None):
    assert 400 <= status < 500, (status, raw[:300])
    if want is not None:
        assert status == want, (status, raw[:300])
    if needle is not None:
        assert needle.encode() in raw, raw[:500]
    assert server.request("GET", "/health")[0] == 200, "the server stopped answering"


def deep(depth=DEEP) -> str:
    return "[" * depth + "]" * depth


# Each: (path, JSON text with a deep value in one field). Built as text: json.dumps would
# recurse. The message names the depth limit; the server must not have built the value.
DEEP_FIELDS = {
    "body": ("/v1/chat/completions", '{"x": ' + "{\"a\": " * 100000 + "1" + "}" * 100000 + "}"),
    "message unknown field": ("/v1/chat/completions",
                              '{"messages": [{"role": "user", "content": "hi", "x": ' + deep() + "}]}"),
    "message content": ("/v1/chat/completions", '{"messages": [{"role": "user", "content": ' + deep() + "}]}"),
    "tools": ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": '
              '"function", "function": {"name": "f", "parameters": ' + deep() + "}}]}"),
    "chat_template_kwargs": ("/v1/chat/completions",
                             '{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"x": '
                             + deep() + "}}"),
    "completions prompt": ("/v1/completions", '{"prompt": ' + deep() + "}"),
    "logit_bias": ("/v1/chat/completions", '{"messages": [{"role": "user", "content": "hi"}], "logit_bias": {"1": '
                   + deep() + "}}"),
    "tokenize messages": ("/tokenize", '{"messages": [{"role": "user", "content": "hi", "x": ' + deep() + "}]}"),
    "tokenize tools": ("/tokenize", '{"messages": [{"role": "user", "content": "hi"}], "tools": ' + deep() + "}"),
    "anthropic tool_use input": ("/v1/messages", '{"max_tokens": 4, "messages": [{"role": "user", "content": "hi"}, '
                                 '{"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", '
                                 '"input": ' + deep() + "}]}]}"),
    "anthropic system": ("/v1/messages", '{"max_tokens": 4, "system": ' + deep() + ', "messages": []}'),
    "responses input": ("/v1/responses", '{"input": [{"role": "user", "content": ' + deep() + "}]}"),
    "responses tools": ("/v1/responses", '{"input": "hi", "tools": [{"type": "function", "name": "f", '
                        '"parameters": ' + deep() + "}]}"),
    "responses text.format": ("/v1/responses", '{"input": "hi", "text": {"format": {"type": "json_schema", '
                              '"name": "x", "schema": ' + deep() + "}}}"),
}


@pytest.mark.parametrize("field", list(DEEP_FIELDS))
def test_deep_nesting_in_every_field(server, field):
    path, text = DEEP_FIELDS[field]
    status, _, raw = server.request("POST", path, text.encode())
    expect_4xx(server, status, raw, 400, "deeper than 64")


@pytest.mark.parametrize("path,where", [("/v1/chat/completions", "messages"), ("/tokenize", "messages")])
def test_deep_json_inside_tool_arguments_string(server, path, where):
    # JSON hidden in a string that the server parses again (OpenAI sends arguments as text).
    args = deep(200_000)
    body = {"model": SERVED_NAME, "max_tokens": 4, where: [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "f", "arguments": args}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}
    status, _, raw = server.request("POST", path, body)
    expect_4xx(server, status, raw, 400, "function.arguments")


def test_16mb_deep_body(server):
    depth = 8_000_000  # 16 MB, just under the 16 MiB body limit
    text = '{"messages": [{"role": "user", "content": "hi", "x": ' + deep(depth) + "}]}"
    assert 15_900_000 < len(text) < 16 << 20
    status, _, raw = server.request("POST", "/v1/chat/completions", text.encode())
    expect_4xx(server, status, raw, 400, "deeper than 64")


def test_16mb_of_wide_objects(server):
    # The most keys a body can hold within the member limit: parsing stays bounded.
    obj = "{" + ",".join(f'"k{i}":1' for i in range(1024)) + "}"
    n = (16_000_000 // (len(obj) + 1))
    text = '{"messages": [{"role": "user", "content": "hi", "x": [' + ",".join([obj] * n) + ']}], "max_tokens": 0}'
    t0 = time.time()
    status, _, raw = server.request("POST", "/v1/chat/completions", text.encode())
    expect_4xx(server, status, raw, 400, "'max_tokens' must be at least 1")  # parsed whole, then refused
    assert time.time() - t0 < 30


def test_16mb_stop_string(server):
    body = dict(normal_chat(), stop=["s" * 16_000_000])
    status, _, raw = server.request("POST", "/v1/chat/completions", body)
    expect_4xx(server, status, raw, 400, "--max-stop-bytes")


def test_body_over_16mib_is_413(server):
    body = dict(normal_chat(), x="y" * (17 << 20))
    status, _, raw = server.request("POST", "/v1/chat/completions", body)
    expect_4xx(server, status, raw, 413)


@pytest.mark.parametrize("path,field", [("/v1/chat/completions", "stop"), ("/v1/completions", "stop"),
                                        ("/v1/messages", "stop_sequences")])
def test_10000_stop_strings(server, path, field):
    body = {"model": SERVED_NAME, "max_tokens": 4, field: [f"stop{i}" for i in range(10_000)]}
    body.update({"prompt": "hi"} if path == "/v1/completions" else {"messages": MSG})
    status, _, raw = server.request("POST", path, body)
    expect_4xx(server, status, raw, 400, f"'{field}' has 10000 entries")


def test_10000_stop_token_ids(server):
    status, _, raw = server.request("POST", "/v1/chat/completions", dict(normal_chat(), stop_token_ids=list(range(10_000))))
    expect_4xx(server, status, raw, 400, "'stop_token_ids' has 10000 entries")


def test_huge_logit_bias(server):
    bias = {str(i): 1.0 for i in range(1000)}
    status, _, raw = server.request("POST", "/v1/chat/completions", dict(normal_chat(), logit_bias=bias))
    expect_4xx(server, status, raw, 400, "'logit_bias' has 1000 entries")
    # Past 1024 keys the parser itself stops: request objects keep key order, whose insert is
    # a linear search, so a million-key object would cost a worker minutes.
    bias = {str(i): 1.0 for i in range(1_000_000)}
    t0 = time.time()
    status, _, raw = server.request("POST", "/v1/chat/completions", dict(normal_chat(), logit_bias=bias))
    expect_4xx(server, status, raw, 400, "more than 1024 members")
    assert time.time() - t0 < 20


@pytest.mark.parametrize("field,count", [("messages", 5000), ("tools", 5000)])
def test_huge_lists(server, field, count):
    if field == "messages":
        body = dict(normal_chat(), messages=[{"role": "user", "content": "x"}] * count)
    else:
        body = dict(normal_chat(), tools=[{"type": "function", "function": {"name": f"f{i}"}} for i in range(count)])
    status, _, raw = server.request("POST", "/v1/chat/completions", body)
    expect_4xx(server, status, raw, 400, f"'{field}' has {count} entries")


def test_responses_huge_and_deep_items(server):
    status, _, raw = server.request("POST", "/v1/responses", {"input": [{"role": "user", "content": "x"}] * 5000})
    expect_4xx(server, status, raw, 400, "'input' has 5000 entries")
    # JSON hidden in a function_call's arguments string, parsed again with the depth limit.
    items = [{"role": "user", "content": "hi"},
             {"type": "function_call", "call_id": "c1", "name": "f", "arguments": deep(200_000)},
             {"type": "function_call_output", "call_id": "c1", "output": "ok"}]
    status, _, raw = server.request("POST", "/v1/responses", {"input": items, "max_output_tokens": 4})
    expect_4xx(server, status, raw, 400, "function.arguments")


def test_huge_content_parts(server):
    parts = [{"type": "text", "text": "x"}] * 5000
    status, _, raw = server.request("POST", "/v1/chat/completions",
                                    dict(normal_chat(), messages=[{"role": "user", "content": parts}]))
    expect_4xx(server, status, raw, 400, "'messages[0].content' has 5000 entries")


BAD = "\udcff"  # json.dumps(ensure_ascii=False) + surrogateescape writes the raw byte 0xff

UTF8_CASES = {
    "model": ("/v1/chat/completions", {"model": BAD, "messages": MSG, "max_tokens": 4}),
    "role": ("/v1/chat/completions", {"messages": [{"role": "us" + BAD, "content": "hi"}], "max_tokens": 4}),
    "content": ("/v1/chat/completions", {"messages": [{"role": "user", "content": "h" + BAD}], "max_tokens": 4}),
    "content part": ("/v1/chat/completions",
                     {"messages": [{"role": "user", "content": [{"type": "text", "text": BAD}]}], "max_tokens": 4}),
    "key": ("/v1/chat/completions", {"messages": [{"role": "user", "content": "hi", BAD: 1}], "max_tokens": 4}),
    "tool name": ("/v1/chat/completions", {"messages": MSG, "max_tokens": 4,
                                           "tools": [{"type": "function", "function": {"name": BAD}}]}),
    "tool arguments": ("/v1/chat/completions", {"max_tokens": 4, "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "tool_calls": [{"id": "c", "type": "function",
                                              "function": {"name": "f", "arguments": "{\"a\": \"" + BAD + "\"}"}}]}]}),
    "stop": ("/v1/chat/completions", {"messages": MSG, "max_tokens": 4, "stop": [BAD]}),
    "chat_template_kwargs": ("/v1/chat/completions", {"messages": MSG, "max_tokens": 4,
                                                      "chat_template_kwargs": {"x": BAD}}),
    "completions prompt": ("/v1/completions", {"prompt": BAD, "max_tokens": 4}),
    "anthropic system": ("/v1/messages", {"system": BAD, "messages": MSG, "max_tokens": 4}),
    "anthropic stop_sequences": ("/v1/messages", {"messages": MSG, "max_tokens": 4, "stop_sequences": [BAD]}),
    "tokenize prompt": ("/tokenize", {"prompt": BAD}),
    "tokenize messages": ("/tokenize", {"messages": [{"role": "user", "content": BAD}]}),
}


@pytest.mark.parametrize("case", list(UTF8_CASES))
def test_invalid_utf8_in_every_string_field(server, case):
    path, body = UTF8_CASES[case]
    raw_body = json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogateescape")
    assert b"\xff" in raw_body
    status, _, raw = server.request("POST", path, raw_body)
    expect_4xx(server, status, raw, 400, "UTF-8")


def test_truncated_json_body(server):
    full = json.dumps(normal_chat()).encode()
    for cut in (1, len(full) // 2, len(full) - 1):
        status, _, raw = server.request("POST", "/v1/chat/completions", full[:cut])
        expect_4xx(server, status, raw, 400, "not valid JSON")


def test_body_shorter_than_content_length_then_eof(server):
    # The client sends half the body it announced and closes its side: 400, not a hang.
    body = json.dumps(normal_chat()).encode()
    status, raw = raw_request(server.port, post_bytes("/v1/chat/completions", body[:20], content_length=len(body)),
                              half_close=True)
    expect_4xx(server, status, raw, 400, "before its body was complete")


def test_body_shorter_than_content_length_then_silence(server):
    # ... or it keeps the connection open and sends nothing more: 408 at the read deadline.
    body = json.dumps(normal_chat()).encode()
    t0 = time.time()
    status, raw = raw_request(server.port, post_bytes("/v1/chat/completions", body[:20], content_length=len(body)),
                              timeout=READ_TIMEOUT_S + 10)
    expect_4xx(server, status, raw, 408)
    assert time.time() - t0 < READ_TIMEOUT_S + 5


def test_slow_header_gets_408(server):
    with connect(server.port) as s:
        t0 = time.time()
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(2 * READ_TIMEOUT_S):  # one header byte every half second
            time.sleep(0.5)
            try:
                s.sendall(b"X")
            except OSError:
                break
        status, raw = read_response(s, 10)
    expect_4xx(server, status, raw, 408)
    assert time.time() - t0 < READ_TIMEOUT_S + 5


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/completions", "/v1/messages", "/tokenize"])
def test_wrong_content_type_is_415(server, path, content_type):
    body = json.dumps(dict(normal_chat(), prompt="hi")).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    if content_type is None:
        status, raw = raw_request(server.port, post_bytes(path, body).replace(b"Content-Type: application/json\r\n", b""))
    else:
        status, _, raw = server.request("POST", path, body, headers)
    expect_4xx(server, status, raw, 415, "application/json")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.example", "localhost.evil.example"])
def test_bad_host_is_refused_without_api_key(server, host):
    # DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1.
    status, _, raw = server.request("POST", "/v1/chat/completions", normal_chat(), {"Host": host})
    expect_4xx(server, status, raw, 403, "DNS-rebinding")
    status, _, raw = server.request("GET", "/v1/models", None, {"Host": host})
    expect_4xx(server, status, raw, 403)


def test_cross_origin_requests_and_preflights(server):
    status, _, raw = server.request("POST", "/v1/chat/completions", normal_chat(), {"Origin": "https://evil.example"})
    expect_4xx(server, status, raw, 403, "--allowed-origins")
    status, hdrs, _ = server.request("OPTIONS", "/v1/chat/completions", None, {
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert status == 403 and "access-control-allow-origin" not in hdrs
    # A local page (a dev UI on another port) may: preflight, then the request.
    local = "http://localhost:5173"
    status, hdrs, _ = server.request("OPTIONS", "/v1/chat/completions", None, {
        "Origin": local, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization"})
    assert status == 204
    assert hdrs["access-control-allow-origin"] == local
    assert "POST" in hdrs["access-control-allow-methods"]
    assert "content-type" in hdrs["access-control-allow-headers"]
    status, hdrs, _ = server.request("POST", "/v1/chat/completions", normal_chat(), {"Origin": local})
    assert status == 200 and hdrs["access-control-allow-origin"] == local


@pytest.mark.parametrize("payload,want", [
    (b"GARBAGE\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400),
    (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", 431),
    (b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Content-Length: 99999999999999999999\r\n\r\n", 400),
    (b"POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
     b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\n", 400),
])
def test_malformed_http(server, payload, want):
    status, raw = raw_request(server.port, payload)
    expect_4xx(server, status, raw, want)


def test_chunked_request_body_is_accepted(server):
    body = json.dumps(normal_chat()).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    payload = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked)
    status, raw = raw_request(server.port, payload)
    assert status == 200, raw[:300]


def test_normal_request_in_usual_time_after_all_of_it(server, baseline):
    # Module order runs this last: the hostile requests above left nothing behind.
    st = server.json("GET", "/v1/status")[1]
    assert st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0, st
    after = min(timed_normal(server) for _ in range(3))
    assert after < max(3 * baseline, baseline + 1.0), (baseline, after)
