"""Startup honesty (issue 21): an oversized KV cache fails at start with a clear message;
unseeded sampling differs between two processes unless --seed is given; the served model
name defaults to the model directory's base name, never its local path."""

from __future__ import annotations

import subprocess

from api_helpers import Server, SERVED_NAME

CHAT = {"model": SERVED_NAME, "messages": [{"role": "user", "content": "Tell me something"}], "max_tokens": 24,
        "temperature": 1.0, "ignore_eos": True}


def test_kv_cache_larger_than_memory_fails_at_start(vllm_bin, tiny_model):
    r = subprocess.run([str(vllm_bin), "serve", str(tiny_model), "--port", "1", "--kv-cache-memory", "100TiB",
                        "--max-model-len", "2048"], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    out = r.stdout + r.stderr
    assert "MemAvailable" in out and "--kv-cache-memory" in out, out


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
    server = Server.__new__(Server)
    # Server() always names the model; start one without --served-model-name by hand.
    from api_helpers import free_port
    import time
    port = free_port()
    proc = subprocess.Popen([str(vllm_bin), "serve", str(tiny_model) + "/", "--port", str(port), "--threads", "1",
                             "--kv-cache-memory", "16MiB", "--max-model-len", "2048"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server.host, server.port = "127.0.0.1", port
        deadline = time.time() + 60
        while True:
            try:
                status, body = server.json("GET", "/v1/models")
                break
            except OSError:
                assert time.time() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.1)
        assert status == 200
        name = body["data"][0]["id"]
        assert name == tiny_model.name, name
        assert "/" not in name
    finally:
        proc.terminate()
        proc.wait(timeout=30)
