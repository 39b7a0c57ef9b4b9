"""Startup honesty (issue 21): an oversized KV cache fails at start with a clear message;
unseeded sampling differs between two processes unless --seed is given; the served model
name defaults to the model directory's base name, never its local path."""

from __future__ import annotations

import http.client
import json
import subprocess
import time

from api_helpers import SERVED_NAME, free_port

CHAT = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "Tell me something"}], "max_tokens": 24,
        "temperature": 1.0, "ignore_eos": True}


def test_kv_cache_larger_than_memory_fails_at_start(vllm_bin, tiny_model):
    r = subprocess.run([str(vllm_bin), "serve", str(tiny_model), "--port", "1", "--kv-cache-memory", "100TiB",
                        "--max-model-len", "2048"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert "MemAvailable" in out and "--kv-cache-memory" in out, out


def test_gpu_memory_utilization_is_refused_without_a_gpu(vllm_bin, tiny_model):
    # The flag sizes the KV cache from the GPU's memory; on the CPU it is an error, never ignored.
    for value, needle in (("0.5", "needs a GPU"), ("1.5", "(0, 1]")):
        r = subprocess.run([str(vllm_bin), "serve", str(tiny_model), "--port", "1", "--device", "cpu",
                            "--gpu-memory-utilization", value], capture_output=True, text=True, timeout=120)
        assert r.returncode != 0
        assert needle in r.stdout + r.stderr, r.stdout + r.stderr


def sample_text(server) -> str:
    status, body = server.json("POST", "/v1/chat/completions", CHAT)
    assert status == 200, body
    return body["choices"][0]["message"]["content"]


def test_unseeded_sampling_differs_per_process_unless_seeded(start_server):
    a, b = start_server(), start_server()
    assert sample_text(a) != sample_text(b), "two processes replayed the same random stream"
    c, d = start_server("--seed", 1234), start_server("--seed", 1234)
    assert sample_text(c) == sample_text(d), "--seed must make unseeded sampling reproducible"


def test_served_name_defaults_to_the_directory_base_name(vllm_bin, tiny_model):
    # Server() always passes --served-model-name; this one starts without it.
    port = free_port()
    proc = subprocess.Popen([str(vllm_bin), "serve", str(tiny_model) + "/", "--port", str(port), "--threads", "1",
                             "--kv-cache-memory", "16MiB", "--max-model-len", "2048"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/v1/models")
                body = json.loads(conn.getresponse().read())
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)
        name = body["data"][0]["id"]
        assert name == tiny_model.name, name
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
