#!/usr/bin/env python3
"""Soak test of `vllm-cpp serve` (issue 21; not part of `make test`).

Starts the server on the tiny test model (or --model DIR), loopback only, and sends mixed
traffic for --duration seconds from --concurrency client threads: chat (stream and not),
completions, Anthropic messages, /tokenize, with 30% of generation requests cancelled at a
random moment (the client resets the connection). At the end it checks:
  - zero 5xx answers (4xx are not expected either; all are counted);
  - zero leaked KV blocks: with the traffic stopped, /v1/status shows no running or waiting
    request and blocks_used == 0;
  - RSS within 5% of its level after warm-up (--warmup seconds).
Prints a JSON summary (also to --output) and exits non-zero when a check fails.

  VLLM_CPP_BIN=build/vllm-cpp .venv/bin/python bench/soak/soak.py --duration 1800
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "conformance"))

NAME = "soak-model"
PROMPTS = ["Tell me a story about a lighthouse", "List three prime numbers", "hi",
           "Explain continuous batching in one paragraph " * 4, "What is the capital of France?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def request(port, method, path, body=None, timeout=120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=hdrs)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def make_request(rng: random.Random):
    """(path, body, streams) of one random request."""
    prompt = rng.choice(PROMPTS)
    max_tokens = rng.choice([1, 4, 16, 48, 96])
    kind = rng.choices(["chat", "chat-stream", "completion", "completion-stream", "messages", "messages-stream",
                        "tokenize"], weights=[3, 4, 2, 2, 2, 2, 1])[0]
    stream = kind.endswith("-stream")
    if kind.startswith("chat"):
        body = {"model": NAME, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
                "stream": stream, "temperature": rng.choice([0, 0.8]), "n": rng.choice([1, 1, 1, 2])}
        if rng.random() < 0.2:
            body["stop"] = ["\n\n", "The"]
        return "/v1/chat/completions", body, stream
    if kind.startswith("completion"):
        return "/v1/completions", {"model": NAME, "prompt": prompt, "max_tokens": max_tokens, "stream": stream}, stream
    if kind.startswith("messages"):
        return "/v1/messages", {"model": NAME, "max_tokens": max_tokens, "stream": stream,
                                "messages": [{"role": "user", "content": prompt}]}, stream
    return "/tokenize", {"model": NAME, "prompt": prompt}, False


def cancelled_request(port, path, body, after_s):
    """Sends the request and resets the connection after `after_s` (mid-queue, -prefill or -stream)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    data = json.dumps(body).encode()
    s.sendall(b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
              % (path.encode(), len(data), data))
    s.settimeout(after_s)
    try:
        while s.recv(4096):
            pass
    except socket.timeout:
        pass
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST on close
    s.close()


def client(port, seed, stop, stats, lock, cancel_fraction):
    rng = random.Random(seed)
    while not stop.is_set():
        path, body, _ = make_request(rng)
        try:
            if path != "/tokenize" and rng.random() < cancel_fraction:
                cancelled_request(port, path, body, rng.uniform(0.01, 1.5))
                key = "cancelled"
            else:
                status, _ = request(port, "POST", path, body)
                key = str(status)
        except Exception as e:  # noqa: BLE001 - counted, and a failure of the soak
            key = "error: " + type(e).__name__
        with lock:
            stats[key] += 1


def wait_idle(port, timeout=60):
    deadline = time.time() + timeout
    st = {}
    while time.time() < deadline:
        st = json.loads(request(port, "GET", "/v1/status")[1])
        if st["num_running"] == 0 and st["num_waiting"] == 0 and st["kv_cache"]["blocks_used"] == 0:
            return True, st
        time.sleep(0.2)
    return False, st


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=1800)
    ap.add_argument("--warmup", type=float, default=120, help="seconds before the RSS baseline is taken")
    ap.add_argument("--concurrency", type=int, default=24)
    ap.add_argument("--cancel-fraction", type=float, default=0.3)
    ap.add_argument("--model", help="model directory (default: the tiny test model)")
    ap.add_argument("--threads", default="2")
    # Small, so warm-up touches every page of it: the cache is allocated untouched and
    # faults in as blocks are first used, which would read as growth after warm-up.
    ap.add_argument("--kv-cache-memory", default="16MiB")
    ap.add_argument("--output", default=str(REPO / "build" / "soak.json"))
    args = ap.parse_args()

    binary = os.environ.get("VLLM_CPP_BIN", str(REPO / "build" / "vllm-cpp"))
    if args.model:
        model = args.model
    else:
        import tiny_models
        model = str(tiny_models.ModelCache().path("qwen3-q4g64-tied"))
    port = free_port()
    log = open(REPO / "build" / "soak-server.log", "w")
    proc = subprocess.Popen([binary, "serve", model, "--port", str(port), "--served-model-name", NAME, "--threads",
                             args.threads, "--kv-cache-memory", args.kv_cache_memory, "--max-model-len", "2048",
                             "--max-num-seqs", "64"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if request(port, "GET", "/health", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        stats, lock, stop = Counter(), threading.Lock(), threading.Event()
        threads = [threading.Thread(target=client, args=(port, i, stop, stats, lock, args.cancel_fraction))
                   for i in range(args.concurrency)]
        t0 = time.time()
        for t in threads:
            t.start()
        samples, baseline = [], None
        while time.time() - t0 < args.duration:
            time.sleep(10)
            now = time.time() - t0
            samples.append((round(now), round(rss_mib(proc.pid), 1)))
            if baseline is None and now >= args.warmup:
                baseline = samples[-1][1]
            with lock:
                snapshot = dict(stats)
            print(f"[soak] t={now:.0f}s rss={samples[-1][1]} MiB {snapshot}", flush=True)
        stop.set()
        for t in threads:
            t.join(timeout=180)
        idle, status = wait_idle(port)
        final_rss = rss_mib(proc.pid)
        baseline = baseline or samples[0][1]
        num_5xx = sum(v for k, v in stats.items() if k.startswith("5"))
        errors = sum(v for k, v in stats.items() if k.startswith("error"))
        summary = {
            "duration_s": round(time.time() - t0), "concurrency": args.concurrency,
            "cancel_fraction": args.cancel_fraction, "outcomes": dict(stats), "num_5xx": num_5xx,
            "client_errors": errors, "engine_idle_after": idle, "blocks_used_after": status["kv_cache"]["blocks_used"],
            "finished_requests": status["finished_requests"], "rss_after_warmup_mib": baseline,
            "rss_peak_mib": max(s[1] for s in samples), "rss_final_mib": round(final_rss, 1),
            "rss_growth_pct": round(100 * (final_rss - baseline) / baseline, 2), "rss_samples": samples,
        }
        ok = num_5xx == 0 and errors == 0 and idle and final_rss <= baseline * 1.05
        summary["pass"] = ok
        Path(args.output).write_text(json.dumps(summary, indent=1))
        print(json.dumps({k: v for k, v in summary.items() if k != "rss_samples"}, indent=1))
        return 0 if ok else 1
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
