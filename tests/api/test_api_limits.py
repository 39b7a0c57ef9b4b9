"""Load limits: 503 when the waiting queue is full, 504 on the request timeout (JSON and
mid-stream), 429 with Retry-After over the per-client rate limit. The server keeps serving
after each, and requests that were cut off free their KV blocks."""

from __future__ import annotations

import http.client
import json
import time

import pytest

from api_helpers import SERVED_NAME, data_parallel_size, sse_events

RATE_LIMIT = 40  # requests per minute; this module stays well under it until the last test
TIMEOUT_S = 1.0
# The timeout tests' own server: LONG (1,900 tokens) must outlast it on every machine, and on an
# H100 the tiny model writes 1,900 tokens in under a second; its first token still comes in ms.
SHORT_TIMEOUT_S = 0.3
LONG = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "go"}], "max_tokens": 1900,
        "ignore_eos": True, "temperature": 0}


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--max-num-seqs", 1, "--max-waiting-requests", 1, "--timeout", TIMEOUT_S,
                        "--rate-limit", RATE_LIMIT)


@pytest.fixture(scope="module")
def timeout_server(start_server):
    return start_server("--max-num-seqs", 1, "--timeout", SHORT_TIMEOUT_S)


def open_stream(server, body):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request("POST", "/v1/chat/completions", json.dumps(dict(body, stream=True)), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200
    resp.readline()  # first event line: the request is in the engine
    return conn


def wait_idle(server, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = server.json("GET", "/v1/status")[1]
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            return st
        time.sleep(0.05)
    pytest.fail(f"requests still hold the engine: {st}")


def test_503_when_waiting_queue_is_full(server):
    # max-num-seqs 1 per engine: these run (one per data-parallel replica) ...
    running = [open_stream(server, LONG) for _ in range(data_parallel_size())]
    waiting = open_stream(server, LONG)  # ... and this one waits (queue limit 1)
    status, hdrs, raw = server.request("POST", "/v1/chat/completions", dict(LONG, max_tokens=2))
    assert status == 503, raw
    err = json.loads(raw)["error"]
    assert "overloaded" in err["message"] and err["code"] == "server_overloaded"
    for r in running:
        r.close()
    waiting.close()
    wait_idle(server)  # disconnects aborted both; their blocks are back
    assert server.json("POST", "/v1/chat/completions", dict(LONG, max_tokens=2))[0] == 200


def test_504_on_timeout(timeout_server):
    server = timeout_server
    t0 = time.time()
    status, hdrs, raw = server.request("POST", "/v1/chat/completions", LONG)
    assert status == 504, raw[:300]
    assert json.loads(raw)["error"]["code"] == "timeout"
    assert time.time() - t0 < SHORT_TIMEOUT_S + 5
    wait_idle(server)
    assert server.request("GET", "/health")[0] == 200


def test_timeout_mid_stream_sends_error_then_done(timeout_server):
    server = timeout_server
    status, hdrs, raw = server.request("POST", "/v1/chat/completions", dict(LONG, stream=True))
    assert status == 200
    frames = sse_events(raw)
    assert frames[-1] == (None, "[DONE]")
    assert json.loads(frames[-2][1])["error"]["code"] == "timeout"
    wait_idle(server)


def test_429_with_retry_after(server):
    for _ in range(RATE_LIMIT + 1):
        status, hdrs, raw = server.request("GET", "/v1/models")
        if status == 429:
            break
    assert status == 429, "rate limit never triggered"
    assert int(hdrs["retry-after"]) >= 1
    err = json.loads(raw)["error"]
    assert err["code"] == "rate_limit_exceeded"
    assert server.request("GET", "/health")[0] == 200  # /health is never limited
