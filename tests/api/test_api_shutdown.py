"""SIGTERM: open streams end cleanly (a final chunk, then [DONE]), the server stops
accepting, and the process exits 0."""

from __future__ import annotations

import http.client
import json
import signal
import time

from api_helpers import SERVED_NAME, sse_events


def test_sigterm_ends_streams_and_exits_0(start_server):
    server = start_server()
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    conn.request("POST", "/v1/chat/completions",
                 json.dumps({"model": SERVED_NAME, "messages": [{"role": "user", "content": "go"}], "max_tokens": 1900,
                             "ignore_eos": True, "stream": True}), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200
    head = resp.readline() + resp.readline()  # the role chunk
    t0 = time.time()
    server.proc.send_signal(signal.SIGTERM)
    rest = resp.read()
    frames = sse_events(head + rest)
    assert frames[-1] == (None, "[DONE]")
    finals = [json.loads(d)["choices"][0]["finish_reason"] for _, d in frames[:-1]]
    assert finals[-1] == "abort" and finals.count("abort") == 1
    assert server.proc.wait(timeout=30) == 0
    assert time.time() - t0 < 30
    try:
        refused = server.request("GET", "/health", timeout=2)[0] != 200
    except OSError:
        refused = True
    assert refused


def test_busy_port_is_an_error_at_startup(start_server, vllm_bin, tiny_model):
    """A second server on a port in use must fail, not share the port (SO_REUSEPORT would let
    it bind and split the first server's connections)."""
    import subprocess
    first = start_server()
    second = subprocess.run([str(vllm_bin), "serve", str(tiny_model), "--port", str(first.port),
                             "--kv-cache-memory", "64MiB", "--max-model-len", "2048"],
                            capture_output=True, text=True, timeout=120)
    assert second.returncode != 0
    assert "cannot bind" in second.stdout + second.stderr
    assert first.request("GET", "/health")[0] == 200
