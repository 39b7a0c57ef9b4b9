"""Benchmark (not a test): HTTP + JSON + SSE overhead per streamed token of `vllm-cpp serve`
against in-process generation (`vllm-cpp generate --json`, same engine, no HTTP).

  VLLM_CPP_BIN=build/vllm-cpp .venv/bin/python tests/api/bench_http_overhead.py [MODEL] [--load-format dummy]

MODEL defaults to the tiny qwen3 test model. Reports decode tokens/s (after the first token)
at concurrency 1 for both paths, and aggregate streamed tokens/s at concurrency 64 over HTTP.
Timings depend on the machine and its load; run on an idle machine and record the hardware.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_helpers import MODEL_VARIANT, free_port, tiny_models  # noqa: E402

PROMPT = "The history of the city begins"
MAX_TOKENS = 128


def in_process(binary, model, extra):
    out = subprocess.run([binary, "generate", model, "--prompt", PROMPT, "--max-tokens", str(MAX_TOKENS),
                          "--ignore-eos", "--json"] + extra, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["tokens_per_s"]


def stream_once(port):
    """Decode tokens/s of one streamed completion, timed from the first token to the last."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/v1/completions", json.dumps({"prompt": PROMPT, "max_tokens": MAX_TOKENS, "temperature": 0,
                                                        "ignore_eos": True, "stream": True}),
                 {"Content-Type": "application/json"})
    resp = conn.getresponse()
    times = []
    for line in resp:
        if line.startswith(b"data: {") and b'"text":""' not in line:
            times.append(time.perf_counter())
    conn.close()
    return (len(times) - 1) / (times[-1] - times[0])


def main():
    binary = os.environ["VLLM_CPP_BIN"]
    args = sys.argv[1:]
    model = args.pop(0) if args and not args[0].startswith("--") else str(tiny_models.ModelCache().path(MODEL_VARIANT))
    threads = ["--threads", os.environ.get("VLLM_CPP_THREADS", "2")]
    first = in_process(binary, model, args + threads)  # warms the page cache
    local = [in_process(binary, model, args + threads) for _ in range(3)]
    port = free_port()
    server = subprocess.Popen([binary, "serve", model, "--port", str(port), "--kv-cache-memory", "256MiB"] + args + threads,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                c.request("GET", "/health")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        stream_once(port)  # warm-up
        http1 = [stream_once(port) for _ in range(3)]
        rates = []
        t0 = time.perf_counter()
        ts = [threading.Thread(target=lambda: rates.append(stream_once(port))) for _ in range(64)]
        [t.start() for t in ts]
        [t.join() for t in ts]
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait()
    lp, hp = statistics.median(local), statistics.median(http1)
    print(f"model {model}  max_tokens {MAX_TOKENS}  (first in-process run {first:.1f} tok/s, discarded)")
    print(f"concurrency 1: in-process {lp:.1f} tok/s, HTTP stream {hp:.1f} tok/s, overhead {100 * (lp / hp - 1):+.1f}% per token")
    print(f"concurrency 64: HTTP aggregate {64 * MAX_TOKENS / wall:.1f} tok/s over {wall:.2f} s, "
          f"median per-stream decode {statistics.median(rates):.1f} tok/s")


if __name__ == "__main__":
    main()
