"""Overload (issue 21), loopback only, bounded in count and time:
  - 2,000 idle connections plus 500 slow-header clients do not stop a normal client from
    being served within 1 s; with a connection cap below that, it gets 503 within 1 s;
  - 1,000 concurrent streaming requests on the tiny model all complete, with the server's
    RSS and thread count bounded (printed, for docs/PERFORMANCE.md);
  - 1,000 streams of which half hang up mid-stream: every KV block returns (/v1/status).
The server and this process raise RLIMIT_NOFILE to fit the sockets."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import time
from pathlib import Path

import pytest

from api_helpers import SERVED_NAME

NUM_IDLE = 2000
NUM_SLOW = 500
NUM_STREAMS = 1000


@pytest.fixture(scope="module", autouse=True)
def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 16384)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < NUM_IDLE + NUM_SLOW + 200:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is too low for {NUM_IDLE + NUM_SLOW} sockets")


def proc_status(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return {"rss_mib": int(out["VmRSS"].split()[0]) / 1024, "threads": int(out["Threads"])}


def open_flood(port: int) -> list[socket.socket]:
    """NUM_IDLE connections that send nothing and NUM_SLOW that send half a header."""
    socks = []
    for i in range(NUM_IDLE + NUM_SLOW):
        s = socket.socket()
        s.connect(("127.0.0.1", port))
        if i >= NUM_IDLE:
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
        socks.append(s)
    return socks


def timed_chat(server) -> tuple[int, float]:
    t0 = time.time()
    status, _, _ = server.request("POST", "/v1/chat/completions",
                                  {"model": SERVED_NAME, "messages": [{"role": "user", "content": "hi"}],
                                   "max_tokens": 2}, timeout=10)
    return status, time.time() - t0


def test_flood_of_idle_and_slow_clients_does_not_block_a_normal_one(start_server):
    server = start_server("--keep-alive-timeout", 30, "--request-read-timeout", 30)
    socks = open_flood(server.port)
    try:
        time.sleep(0.5)  # let the server accept them all
        st = proc_status(server.proc.pid)
        status, elapsed = timed_chat(server)
        print(f"\n[overload] {NUM_IDLE} idle + {NUM_SLOW} slow-header connections: normal request {status} in "
              f"{elapsed * 1000:.0f} ms; server RSS {st['rss_mib']:.0f} MiB, {st['threads']} threads")
        assert status == 200 and elapsed < 1.0, (status, elapsed)
        assert st["threads"] < 40, st  # a thread per connection would be 2,500
    finally:
        for s in socks:
            s.close()


def test_connection_cap_answers_503(start_server):
    cap = 1000
    server = start_server("--max-connections", cap, "--keep-alive-timeout", 30)
    socks = open_flood(server.port)
    try:
        time.sleep(0.5)
        status, elapsed = timed_chat(server)
        assert status == 503 and elapsed < 1.0, (status, elapsed)
    finally:
        for s in socks:
            s.close()
    deadline = time.time() + 10  # the flood gone, the cap frees up
    while timed_chat(server)[0] != 200:
        assert time.time() < deadline, "the server did not recover after the flood closed"
        time.sleep(0.2)


async def stream_one(port: int, body: bytes, hang_up_after: int | None) -> str:
    """'done' (the stream ended with [DONE]), 'hung-up', or an error description."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as e:
        return f"connect: {e}"
    try:
        writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            return "status: " + head.split(b"\r\n")[0].decode()
        data = b""
        events = 0
        while not data.endswith(b"0\r\n\r\n"):
            chunk = await reader.read(65536)
            if not chunk:
                return "eof before the end of the stream"
            data += chunk
            events = data.count(b"data: ")
            if hang_up_after is not None and events >= hang_up_after:
                writer.transport.abort()  # a reset, mid-stream
                return "hung-up"
        return "done" if b"data: [DONE]" in data else "no [DONE]"
    except Exception as e:  # noqa: BLE001 - reported by the caller
        return f"error: {e!r}"
    finally:
        writer.close()


async def run_streams(port: int, max_tokens: int, hang_up_every: int | None) -> list[str]:
    body = json.dumps({"model": SERVED_NAME, "messages": [{"role": "user", "content": "Tell me a story"}],
                       "max_tokens": max_tokens, "ignore_eos": True, "stream": True}).encode()
    tasks = [stream_one(port, body, 3 if hang_up_every and i % hang_up_every == 0 else None)
             for i in range(NUM_STREAMS)]
    return await asyncio.wait_for(asyncio.gather(*tasks), timeout=240)


def sample_peak(pid: int, stop: list, peak: dict):
    while not stop:
        st = proc_status(pid)
        peak["rss_mib"] = max(peak.get("rss_mib", 0), st["rss_mib"])
        peak["threads"] = max(peak.get("threads", 0), st["threads"])
        time.sleep(0.1)


def wait_engine_idle(server, timeout=30.0) -> dict:
    deadline = time.time() + timeout
    while True:
        st = server.json("GET", "/v1/status")[1]
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            return st
        assert time.time() < deadline, f"blocks or requests left behind: {st}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def stream_server(start_server):
    return start_server("--max-num-seqs", 256, "--max-waiting-requests", 2000)


@pytest.mark.parametrize("hang_up", [False, True], ids=["all-complete", "half-hang-up"])
def test_1000_concurrent_streams(stream_server, hang_up):
    import threading
    server = stream_server
    before = proc_status(server.proc.pid)
    stop, peak = [], {}
    sampler = threading.Thread(target=sample_peak, args=(server.proc.pid, stop, peak))
    sampler.start()
    t0 = time.time()
    try:
        results = asyncio.run(run_streams(server.port, 24 if hang_up else 8, 2 if hang_up else None))
    finally:
        stop.append(1)
        sampler.join()
    elapsed = time.time() - t0
    counts = {r: results.count(r) for r in set(results)}
    print(f"\n[streams] {NUM_STREAMS} concurrent ({'half hang up' if hang_up else 'all complete'}) in {elapsed:.1f} s: "
          f"{counts}; server RSS {before['rss_mib']:.0f} -> peak {peak['rss_mib']:.0f} MiB, threads "
          f"{before['threads']} -> peak {peak['threads']}")
    if hang_up:
        assert counts.get("done", 0) == NUM_STREAMS // 2 and counts.get("hung-up", 0) == NUM_STREAMS // 2, counts
    else:
        assert counts == {"done": NUM_STREAMS}, counts
    assert peak["threads"] <= before["threads"] + 2, peak  # no thread per stream
    assert peak["rss_mib"] < before["rss_mib"] + 512, (before, peak)
    st = wait_engine_idle(server)
    assert st["open_streams"] == 0, st
