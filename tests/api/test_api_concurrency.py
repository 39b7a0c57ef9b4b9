"""64 concurrent streaming clients, a third of which hang up at random points: the others
get exactly the text a lone greedy request gets, every aborted request stops generating
within a few steps, all KV blocks return to the pool, and the server keeps serving."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time

import pytest

from api_helpers import SERVED_NAME, sse_events

NUM_CLIENTS = 64
MAX_TOKENS = 40
PROMPTS = [f"Story number {i}: once upon a time" for i in range(8)]


@pytest.fixture(scope="module")
def server(start_server):
    return start_server("--max-num-seqs", 64)


def body(prompt, stream):
    return {"model": SERVED_NAME, "messages": [{"role": "user", "content": prompt}], "max_tokens": MAX_TOKENS,
            "temperature": 0, "ignore_eos": True, "stream": stream, "stream_options": {"include_usage": True}}


def run_client(server, prompt, disconnect_after, results, i):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    try:
        conn.request("POST", "/v1/chat/completions", json.dumps(body(prompt, True)), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            results[i] = ("status", resp.status)
            return
        if disconnect_after is not None:
            events = 0
            while events < disconnect_after:
                line = resp.readline()
                if not line:
                    break
                events += line.startswith(b"data: ")
            conn.sock.close()  # hang up mid-stream without reading the rest
            results[i] = ("disconnected", events)
            return
        results[i] = ("done", resp.read())
    except Exception as e:  # noqa: BLE001 - reported as the test failure below
        results[i] = ("error", repr(e))
    finally:
        conn.close()


def test_64_streams_with_disconnects(server):
    expected = {}
    for p in PROMPTS:
        status, r = server.json("POST", "/v1/chat/completions", body(p, False))
        assert status == 200
        expected[p] = r["choices"][0]["message"]["content"]
    gen_before = server.json("GET", "/v1/status")[1]["generation_tokens"]

    rng = random.Random(1234)
    plan = []
    for i in range(NUM_CLIENTS):
        disconnect = rng.randint(1, 6) if i % 3 == 0 else None
        plan.append((PROMPTS[i % len(PROMPTS)], disconnect))
    results = [None] * NUM_CLIENTS
    threads = [threading.Thread(target=run_client, args=(server, p, d, results, i)) for i, (p, d) in enumerate(plan)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "clients hung"

    num_done = 0
    for (prompt, disconnect), res in zip(plan, results):
        assert res is not None
        kind, value = res
        assert kind != "error" and kind != "status", res
        if disconnect is not None:
            assert kind == "disconnected"
            continue
        frames = sse_events(value)
        assert frames[-1] == (None, "[DONE]")
        chunks = [json.loads(d) for _, d in frames[:-1]]
        text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
        finish = [c["choices"][0]["finish_reason"] for c in chunks if c["choices"] and c["choices"][0]["finish_reason"]]
        assert finish == ["length"]
        assert chunks[-1]["usage"]["completion_tokens"] == MAX_TOKENS
        assert text == expected[prompt], "a batched greedy stream differs from the lone request"
        num_done += 1
    assert num_done == NUM_CLIENTS - len([d for _, d in plan if d is not None])

    # Every request is gone and every block is back (cached prefix blocks are free, not used).
    deadline = time.time() + 20
    while True:
        st = server.json("GET", "/v1/status")[1]
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            break
        assert time.time() < deadline, f"engine not idle after the clients left: {st}"
        time.sleep(0.1)
    assert st["open_streams"] == 0
    # Aborted requests stopped soon after their client left: far fewer tokens than if they
    # had run to max_tokens (each may run a few steps before its write fails).
    generated = st["generation_tokens"] - gen_before
    num_aborted = NUM_CLIENTS - num_done
    assert generated <= num_done * MAX_TOKENS + num_aborted * 20, (generated, num_done, num_aborted)
    assert server.request("GET", "/health")[0] == 200
    status, r = server.json("POST", "/v1/chat/completions", body(PROMPTS[0], False))
    assert status == 200 and r["choices"][0]["message"]["content"] == expected[PROMPTS[0]]


def test_non_stream_disconnect_aborts(server):
    """A non-streaming client that hangs up has nothing written to it; the server still
    notices (its socket reads EOF) and aborts the request instead of generating to the end."""
    before = server.json("GET", "/v1/status")[1]["generation_tokens"]
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    long = dict(body(PROMPTS[1], False), max_tokens=1500)
    conn.request("POST", "/v1/chat/completions", json.dumps(long), {"Content-Type": "application/json"})
    time.sleep(0.5)  # let it start generating
    conn.sock.close()
    deadline = time.time() + 10
    while True:
        st = server.json("GET", "/v1/status")[1]
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            break
        assert time.time() < deadline, f"the abandoned request is still running: {st}"
        time.sleep(0.05)
    assert st["generation_tokens"] - before < 1500
    assert server.request("GET", "/health")[0] == 200
