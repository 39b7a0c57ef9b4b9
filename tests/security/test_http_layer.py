"""HTTP/1.1 behaviour of the event-driven layer: keep-alive reuse (plain and streamed replies
on one connection), pipelined requests, 100-continue, the idle keep-alive deadline, and a
client that hangs up while its request waits in the engine queue."""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from api_helpers import SERVED_NAME, sse_events
from raw_http import connect

KEEP_ALIVE_S = 2


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--keep-alive-timeout", KEEP_ALIVE_S)


def chat(stream=False, max_tokens=3):
    return {"model": SERVED_NAME, "messages": [{"role": "user", "content": "hi"}], "max_tokens": max_tokens,
            "stream": stream, "temperature": 0}


def test_keep_alive_serves_many_requests_on_one_connection(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.connect()
    sock = conn.sock
    for body in (None, chat(), chat(stream=True), chat()):
        if body is None:
            conn.request("GET", "/health")
        else:
            conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        assert r.status == 200, data
        assert r.getheader("Connection") == "keep-alive"
        if body and body["stream"]:
            assert r.getheader("Transfer-Encoding") == "chunked"
            assert sse_events(data)[-1] == (None, "[DONE]")
        assert conn.sock is sock, "the server closed a keep-alive connection"
    conn.close()


def test_pipelined_requests_are_answered_in_order(server):
    body = json.dumps(chat()).encode()
    one = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    with connect(server.port) as s:
        s.sendall(one + b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    assert data.count(b"HTTP/1.1 200 OK") == 2, data
    assert data.index(b"chat.completion") < data.index(b'{"status":"ok"}')


def test_expect_100_continue(server):
    body = json.dumps(chat()).encode()
    with connect(server.port) as s:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n" % len(body))
        assert s.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        s.sendall(body)
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 200"), data


def test_idle_connection_closes_after_keep_alive_timeout(server):
    with connect(server.port) as s:
        t0 = time.time()
        s.settimeout(KEEP_ALIVE_S + 10)
        assert s.recv(1) == b""  # orderly close, no bytes
        assert KEEP_ALIVE_S - 0.5 < time.time() - t0 < KEEP_ALIVE_S + 5


def test_hang_up_while_queued_or_running_frees_everything(server):
    # Non-streaming requests that are being generated when their clients leave: the pending
    # read on each socket sees the EOF and the engine work is aborted.
    socks = []
    body = json.dumps(chat(max_tokens=1500) | {"ignore_eos": True}).encode()
    for _ in range(8):
        s = socket.create_connection(("127.0.0.1", server.port))
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        socks.append(s)
    time.sleep(0.5)
    before = server.json("GET", "/v1/status")[1]["generation_tokens"]
    for s in socks:
        s.close()
    deadline = time.time() + 10
    while True:
        st = server.json("GET", "/v1/status")[1]
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            break
        assert time.time() < deadline, st
        time.sleep(0.05)
    assert st["generation_tokens"] - before < 8 * 200, "aborted requests kept generating"
