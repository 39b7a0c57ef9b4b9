#!/usr/bin/env python3
"""Measures the HTTP-layer candidates (bench/http_layer/README.md) on one workload: 2,000 idle
connections held open, then 1,000 concurrent SSE streams of 40 events each (a producer
thread adds one event per stream every 50 ms, like engine steps), while a probe times a
plain request. Reports per server: stream completion time, probe latency, server CPU
seconds, peak RSS and thread count. Loopback only; bounded (a few seconds per server).

  bench/http_layer/compare.py           # builds both prototypes into build/http_layer/
"""

from __future__ import annotations

import asyncio
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "build" / "http_layer"
SERVERS = {
    "beast": ("beast_sse.cc", ["-lpthread"], 18302),
    "libmicrohttpd": ("mhd_sse.cc", ["-lmicrohttpd"], 18301),
}
NUM_IDLE, NUM_STREAMS, EVENTS = 2000, 1000, 40


def proc_stat(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / 100  # utime + stime, clock ticks
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    return cpu, int(status["VmRSS"].split()[0]) / 1024, int(status["Threads"])


async def stream(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(f"GET /stream?n={EVENTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    data = b""
    while data.count(b"data: ") < EVENTS:
        chunk = await r.read(65536)
        if not chunk:
            break
        data += chunk
    w.close()
    return data.count(b"data: ")


def probe(port):
    t0 = time.time()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(4096)
    return time.time() - t0


def measure(name, port, binary):
    proc = subprocess.Popen([str(binary), str(port), "50"])
    time.sleep(0.5)
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(NUM_IDLE)]
    cpu0, _, _ = proc_stat(proc.pid)
    peak = {"rss": 0, "threads": 0}
    stop = []

    def sample():
        while not stop:
            _, rss, threads = proc_stat(proc.pid)
            peak["rss"], peak["threads"] = max(peak["rss"], rss), max(peak["threads"], threads)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    probes = []
    prober = threading.Thread(target=lambda: [probes.append(probe(port)) or time.sleep(0.2) for _ in range(8)])

    async def run():
        prober.start()
        return await asyncio.gather(*[stream(port) for _ in range(NUM_STREAMS)])

    t0 = time.time()
    counts = asyncio.run(run())
    elapsed = time.time() - t0
    prober.join()
    stop.append(1)
    sampler.join()
    cpu1, _, _ = proc_stat(proc.pid)
    for s in idle:
        s.close()
    proc.kill()
    proc.wait()
    ok = sum(c == EVENTS for c in counts)
    print(f"{name:14s} streams ok {ok}/{NUM_STREAMS}, {elapsed:.2f} s (ideal {EVENTS * 0.05:.1f}), server CPU "
          f"{cpu1 - cpu0:.2f} s, peak RSS {peak['rss']:.0f} MiB, threads {peak['threads']}, probe max "
          f"{max(probes) * 1000:.0f} ms")


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (src, libs, port) in SERVERS.items():
        binary = OUT / Path(src).stem
        subprocess.run(["g++", "-O2", "-std=c++20", str(Path(__file__).parent / src), "-o", str(binary)] + libs,
                       check=True)
        measure(name, port, binary)


if __name__ == "__main__":
    sys.exit(main())
