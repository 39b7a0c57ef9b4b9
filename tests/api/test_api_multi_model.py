"""Several models in one server: routing by "model", lazy loading, idle unload (seen in
/v1/models and in the process's resident memory), and a memory budget that fits one model
at a time, swapped under concurrent requests without a failed request."""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
from pathlib import Path

import pytest

import tiny_models
from api_helpers import Server

OTHER_VARIANT = "llama-q4g64-untied"


@pytest.fixture(scope="module")
def two_models(tiny_model) -> dict:
    return {"qwen": tiny_model, "llama": tiny_models.ModelCache().path(OTHER_VARIANT)}


class MultiServer(Server):
    """`vllm-cpp serve` with models given by --model / --models-config (no positional MODEL)."""

    def __init__(self, binary: Path, args: list):
        super().__init__(binary, None, args)

    def states(self) -> dict:
        status, body = self.json("GET", "/v1/models")
        assert status == 200, body
        return {m["id"]: m for m in body["data"]}

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@pytest.fixture
def multi(vllm_bin):
    servers = []

    def _start(*args) -> MultiServer:
        s = MultiServer(vllm_bin, list(args))
        servers.append(s)
        return s

    yield _start
    for s in servers:
        assert s.stop() == 0, s.log_text()


def complete(server, model, stream=False, max_tokens=4):
    body = {"model": model, "prompt": "Hello there", "max_tokens": max_tokens, "stream": stream}
    status, _, raw = server.request("POST", "/v1/completions", body, timeout=120)
    return status, raw


def test_two_models_answer_by_name_and_load_lazily(multi, two_models):
    s = multi("--model", f"qwen={two_models['qwen']}", "--model", f"llama={two_models['llama']}")
    st = s.states()
    assert {k: v["state"] for k, v in st.items()} == {"qwen": "unloaded", "llama": "unloaded"}
    status, raw = complete(s, "qwen")
    assert status == 200, raw
    assert json.loads(raw)["model"] == "qwen"
    assert {k: v["state"] for k, v in s.states().items()} == {"qwen": "loaded", "llama": "unloaded"}
    status, raw = complete(s, "llama")
    assert status == 200 and json.loads(raw)["model"] == "llama", raw
    st = s.states()
    assert st["llama"]["state"] == "loaded" and st["llama"]["max_model_len"] == 2048
    status, _, raw = s.request("POST", "/v1/chat/completions",
                               {"model": "nope", "messages": [{"role": "user", "content": "hi"}]})
    err = json.loads(raw)["error"]
    assert status == 404 and err["code"] == "model_not_found", raw
    assert "'qwen'" in err["message"] and "'llama'" in err["message"]
    status, _, raw = s.request("POST", "/v1/completions", {"prompt": "x"})
    assert status == 400 and "'model' is required" in json.loads(raw)["error"]["message"]
    status, body = s.json("GET", "/v1/status")
    assert status == 200 and [m["model"] for m in body["models"]] == ["qwen", "llama"]
    # The Responses API routes by "model" too; a stored response is asked of no model (404).
    status, body = s.json("POST", "/v1/responses", {"model": "llama", "input": "hi", "max_output_tokens": 2})
    assert status == 200 and body["model"] == "llama" and body["usage"]["output_tokens"] == 2, body
    status, body = s.json("GET", "/v1/responses/resp_abc")
    assert status == 404 and "stores no responses" in body["error"]["message"], body


def test_idle_model_is_unloaded_and_memory_goes_down(multi, two_models):
    s = multi("--model", f"qwen={two_models['qwen']}", "--model", f"llama={two_models['llama']}",
              "--idle-unload", "1")
    rss_empty = s.rss_kib()
    assert complete(s, "qwen", max_tokens=8)[0] == 200
    assert complete(s, "qwen", stream=True, max_tokens=8)[0] == 200
    assert s.states()["qwen"]["state"] == "loaded"
    rss_loaded = s.rss_kib()
    assert rss_loaded > rss_empty + 8 * 1024, (rss_empty, rss_loaded)  # weights + touched KV pages
    deadline = time.time() + 10
    while s.states()["qwen"]["state"] != "unloaded":
        assert time.time() < deadline, s.log_text()
        time.sleep(0.1)
    rss_after = s.rss_kib()
    assert rss_after < rss_loaded - (rss_loaded - rss_empty) // 2, (rss_empty, rss_loaded, rss_after)
    assert s.states()["qwen"]["memory_bytes"] == 0
    assert complete(s, "qwen")[0] == 200  # loads again on demand
    assert s.states()["qwen"]["num_loads"] == 2


def test_memory_budget_swaps_models_under_concurrent_requests(multi, two_models, tmp_path):
    # Budget: the larger model's weights + its KV cache (64 MiB), plus a little: never both at once.
    sizes = {k: sum(f.stat().st_size for f in Path(d).glob("*.safetensors")) for k, d in two_models.items()}
    budget = max(sizes.values()) + (64 << 20) + (1 << 20)
    assert sum(sizes.values()) + 2 * (64 << 20) > budget
    config = tmp_path / "models.yaml"
    config.write_text(f"models:\n  - name: qwen\n    model: {two_models['qwen']}\n"
                      f"  - name: llama\n    model: {two_models['llama']}\nmemory_budget: {budget}\n")
    s = multi("--models-config", config)
    both_loaded = threading.Event()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            st = s.states()
            if sum(m["state"] in ("loaded", "loading") for m in st.values()) > 1:
                both_loaded.set()
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    jobs = [("qwen" if i % 2 == 0 else "llama", i % 3 == 0) for i in range(16)]
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
            results = list(pool.map(lambda j: complete(s, j[0], stream=j[1], max_tokens=6), jobs))
    finally:
        stop.set()
        watcher.join()
    for (model, stream), (status, raw) in zip(jobs, results):
        assert status == 200, (model, raw)
        if stream:
            assert raw.rstrip().endswith(b"data: [DONE]"), raw[-200:]
        else:
            assert json.loads(raw)["model"] == model
    assert not both_loaded.is_set(), "two models were loaded at once under a budget for one"
    st = s.states()
    assert st["qwen"]["num_loads"] + st["llama"]["num_loads"] >= 3, st  # they were swapped
