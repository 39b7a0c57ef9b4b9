"""The benchmark commands (issue #6 items 1-4) on a tiny model with short settings: each writes
its --output JSON, whose documented fields (docs/BENCHMARKS.md) must be present and agree with
each other (totals add up, ratios are the ratios of the figures they divide, hits + misses =
lookups, TTFT <= end-to-end latency) and with what the engine counted; its tables carry the
seed's column names; bad input fails with a one-line error and a nonzero exit status."""

from __future__ import annotations

import json
import math
import os
import subprocess
from pathlib import Path

import pytest

THREADS = ["--threads", os.environ.get("VLLM_CPP_THREADS", "2")]
REL = 1e-9  # figures in the JSON are computed from unrounded values


def run(binary: Path, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, timeout=timeout,
                          errors="replace")


def run_ok(binary: Path, *args, out: Path) -> tuple[dict, str]:
    p = run(binary, *args, *THREADS, "--output", out)
    assert p.returncode == 0, f"exit {p.returncode}\n{p.stderr[-3000:]}\n{p.stdout[-2000:]}"
    return json.loads(out.read_text()), p.stdout


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-12)


def check_header(j: dict, command: str) -> None:
    assert j["command"] == command
    for k in ("model", "model_type", "load_format", "load_seconds", "hardware", "engine", "settings"):
        assert k in j, k
    hw = j["hardware"]
    for k in ("cpu_model", "physical_cores", "logical_cpus", "threads_used", "memory_bytes", "simd",
              "read_bandwidth_gbs", "gpu"):
        assert k in hw, k
    assert hw["threads_used"] == int(THREADS[1]) and hw["read_bandwidth_gbs"] > 0, hw
    for k in ("block_size", "kv_cache_dtype", "max_num_batched_tokens", "threads", "seed"):
        assert k in j["engine"], k


def check_request(r: dict, max_tokens: int) -> None:
    for k in ("request_id", "prompt_tokens", "generated_tokens", "cached_prompt_tokens", "ttft_ms", "tpot_ms",
              "e2e_latency_ms", "generation_tokens_per_s", "prompt_tokens_per_s", "finish_reason"):
        assert k in r, k
    assert r["generated_tokens"] == max_tokens and r["finish_reason"] == "length", r
    assert 0 < r["ttft_ms"] <= r["e2e_latency_ms"], r
    assert close(r["tpot_ms"], (r["e2e_latency_ms"] - r["ttft_ms"]) / (r["generated_tokens"] - 1)), r
    assert close(r["generation_tokens_per_s"], 1000 / r["tpot_ms"]), r
    assert close(r["prompt_tokens_per_s"], r["prompt_tokens"] / (r["ttft_ms"] / 1000)), r
    assert 0 <= r["cached_prompt_tokens"] < r["prompt_tokens"], r


def test_bench(vllm_bin, tiny_model, tmp_path):
    """`vllm-cpp-bench` (the seed's command name) runs `bench`: per-run figures add up to the
    summary, and both of the seed's table layouts are printed."""
    alias = vllm_bin.parent / "vllm-cpp-bench"
    assert alias.exists(), f"{alias} missing: the build makes it next to vllm-cpp"
    j, out = run_ok(alias, "--model", tiny_model, "--prompts", 4, "--max-tokens", 5, out=tmp_path / "b.json")
    check_header(j, "bench")
    runs, s = j["runs"], j["summary"]
    assert [r["prompt_kind"] for r in runs] == ["short", "medium", "long", "short"]
    for r in runs:
        check_request(r, 5)
        assert r["cached_prompt_tokens"] == 0, "prefix caching is off in bench"
    assert s["runs"] == len(runs) == 4
    assert s["prompt_tokens"] == sum(r["prompt_tokens"] for r in runs)
    assert s["generated_tokens"] == sum(r["generated_tokens"] for r in runs) == 20
    assert close(s["total_time_s"], sum(r["wall_s"] for r in runs))
    assert close(s["total_throughput_tokens_per_s"], (s["prompt_tokens"] + s["generated_tokens"]) / s["total_time_s"])
    assert close(s["requests_per_s"], 4 / s["total_time_s"])
    ttft = [r["ttft_ms"] for r in runs]
    assert close(s["ttft_ms"]["mean"], sum(ttft) / 4)
    assert min(ttft) <= s["ttft_ms"]["p50"] <= s["ttft_ms"]["p95"] <= max(ttft)
    assert close(s["tpot_ms_mean"], sum(r["tpot_ms"] for r in runs) / 4)
    decode_s = sum(r["e2e_latency_ms"] - r["ttft_ms"] for r in runs) / 1000
    assert close(s["generation_tokens_per_s"], sum(r["generated_tokens"] - 1 for r in runs) / decode_s)
    assert s["ttft_ms"]["mean"] <= s["e2e_latency_ms"]["mean"]
    m = j["memory"]
    assert m["weight_bytes"] > 0 and m["kv_cache_bytes"] > 0 and m["kv_cache_blocks"] > 0
    assert m["peak_rss_bytes"] > m["weight_bytes"], "the weights are resident"
    for col in ("Model", "Gen Speed", "TTFT*", "Memory", "Runs", "Prompt Tok", "Gen Tok", "Total Time (s)", "TTFT Mean (ms)", "TPOT Mean (ms)",
                "Gen Speed (tok/s)", "Total Throughput (tok/s)"):
        assert f"| {col}" in out, col
    assert "Hardware: " in out


def test_bench_batching(vllm_bin, tiny_model, tmp_path):
    j, out = run_ok(vllm_bin, "bench-batching", "--model", tiny_model, "--requests", 3, "--max-tokens", 5,
                    out=tmp_path / "b.json")
    check_header(j, "bench-batching")
    single, batch = j["single"], j["batch"]
    assert single["num_requests"] == 1 and batch["num_requests"] == 3
    for part in (single, batch):
        for r in part["requests"]:
            check_request(r, 5)
            assert r["e2e_latency_ms"] / 1000 <= part["total_time_s"] * (1 + 1e-9)
        assert part["total_tokens"] == sum(r["generated_tokens"] for r in part["requests"])
        assert part["prompt_tokens"] == sum(r["prompt_tokens"] for r in part["requests"])
        assert close(part["throughput_tokens_per_s"], part["total_tokens"] / part["total_time_s"])
        assert close(part["requests_per_s"], part["num_requests"] / part["total_time_s"])
    assert batch["total_tokens"] == 15
    assert close(j["speedup"], batch["throughput_tokens_per_s"] / single["throughput_tokens_per_s"])
    for col in ("Single Request", "Batch (3 req)", "Speedup", "Requests", "Total Tokens", "Total Time (s)",
                "Throughput (tok/s)", "Requests/sec"):
        assert f"| {col}" in out, col


def test_bench_prefix_cache(vllm_bin, tiny_model, tmp_path):
    """Statuses come from the engine's counts: each step's Actual matches its own lookup counts
    and cached-token usage, and the final stats are the sums of the steps."""
    j, out = run_ok(vllm_bin, "bench-prefix-cache", "--model", tiny_model, "--max-tokens", 3,
                    out=tmp_path / "p.json")
    check_header(j, "bench-prefix-cache")
    steps = j["steps"]
    assert [s["step"] for s in steps] == ["1a", "1b", "1c", "1d"]
    for s in steps:
        c = s["engine_counted"]
        assert c["queries"] == 1 == c["full_hits"] + c["partial_hits"] + c["misses"], s
        want = "HIT" if c["full_hits"] else "PREFIX_HIT" if c["partial_hits"] else "MISS"
        assert s["actual"] == want, s
        assert s["request"]["cached_prompt_tokens"] == c["hit_tokens"], s
        assert (s["actual"] == "MISS") == (c["hit_tokens"] == 0), s
        assert s["status"] == ("PASS" if s["actual"] in s["expected"] else "FAIL"), s
        assert close(s["time_ms"], s["request"]["e2e_latency_ms"])
        check_request(s["request"], 3)
    # The seed's expectations hold for our engine: 1c shares the 2-block preamble.
    assert [s["actual"] for s in steps] == ["MISS", "HIT", "PREFIX_HIT", "HIT"]
    assert steps[2]["engine_counted"]["hit_tokens"] == j["settings"]["prefix_tokens"]
    f = j["final"]
    assert f["cache_hits"] + f["cache_misses"] == f["queries"] == 4
    assert f["cache_hits"] == sum(s["actual"] != "MISS" for s in steps)
    assert f["tokens_saved"] == sum(s["engine_counted"]["hit_tokens"] for s in steps)
    assert close(f["hit_rate"], f["cache_hits"] / f["queries"])
    assert close(f["cached_speedup"], steps[0]["time_ms"] / steps[1]["time_ms"])
    for col in ("Test", "Expected", "Actual", "Time", "Status", "Cache Hits", "Cache Misses", "Hit Rate",
                "Tokens Saved", "Cached Speedup"):
        assert f"| {col}" in out, col


def test_bench_paged_cache(vllm_bin, tiny_model, tmp_path):
    j, out = run_ok(vllm_bin, "bench-paged-cache", "--model", tiny_model, "--requests", 4, "--max-tokens", 3,
                    "--scenario-scale", 0.2, "--scenario-max-tokens", 2, out=tmp_path / "pc.json")
    check_header(j, "bench-paged-cache")
    sys_tokens, half = j["settings"]["system_tokens"], 2
    block = j["engine"]["block_size"]
    for mode in ("without", "with"):
        m = j[mode]
        assert len(m["rounds"]) == 2
        reqs = [r for rd in m["rounds"] for r in rd["requests"]]
        for r in reqs:
            check_request(r, 3)
        assert m["generated_tokens"] == sum(r["generated_tokens"] for r in reqs) == 12
        assert close(m["time_s"], sum(rd["wall_s"] for rd in m["rounds"]))
        assert close(m["throughput_tokens_per_s"], m["generated_tokens"] / m["time_s"])
        assert m["cache_hits"] + m["cache_misses"] == m["queries"] == 4
        assert m["cache_hits"] == sum(rd["cache_hits"] for rd in m["rounds"])
        assert m["tokens_saved"] == sum(r["cached_prompt_tokens"] for r in reqs)
    off, on = j["without"], j["with"]
    assert off["prefix_caching"] is False and on["prefix_caching"] is True
    assert off["cache_hits"] == off["tokens_saved"] == off["shared_blocks"] == 0
    # Round 2 finds the system prompt's full blocks, computed by round 1.
    assert on["rounds"][1]["cache_hits"] == half
    for r in on["rounds"][1]["requests"]:
        assert r["cached_prompt_tokens"] == sys_tokens // block * block
    assert on["shared_blocks"] >= sys_tokens // block
    assert on["blocks_allocated"] < off["blocks_allocated"]
    assert close(j["speedup"], on["throughput_tokens_per_s"] / off["throughput_tokens_per_s"])
    names = [s["name"] for s in j["scenarios"]]
    assert names == ["Shared system prompts", "Concurrent memory efficiency", "Prefix sharing branches"]
    for s in j["scenarios"]:
        if s["metric"] == "memory":
            assert 0 < s["blocks_used_at_peak"] < s["block_refs_at_peak"], s
            assert close(s["savings"], 1 - s["blocks_used_at_peak"] / s["block_refs_at_peak"]), s
        else:
            assert close(s["savings"], s["tokens_saved"] / s["prompt_tokens"]), s
        assert 0 < s["savings"] < 1 and s["cache_hits"] > 0, s
    for col in ("Mode", "Time (s)", "Throughput (tok/s)", "Speedup", "Blocks Allocated", "Shared Blocks",
                "Cache Hits", "Tokens Saved", "Scenario", "Memory Savings"):
        assert f"| {col}" in out, col
    assert "PAGED KV CACHE - REAL INFERENCE TEST" in out


@pytest.mark.parametrize("args, message", [
    (["bench", "--model", "no/such-model", "--load-format", "dummy"], "not a preset"),
    (["bench", "--model", "{tiny}", "--prompts", "0"], "--prompts must be >= 1"),
    (["bench", "--model", "{tiny}", "--output", "/nonexistent-dir/x.json"], "cannot write --output"),
    (["bench-batching", "--model", "{tiny}", "--requests", "0"], "--requests must be >= 1"),
    (["bench-prefix-cache", "--model", "{tiny}", "--prefix-tokens", "0"], "must be >= 1"),
    (["bench-paged-cache", "--model", "{tiny}", "--requests", "3"], "--requests must be even"),
    (["bench-paged-cache", "--model", "no/such-model"], "not a preset"),
])
def test_bad_input_fails_clearly(vllm_bin, tiny_model, args, message):
    p = run(vllm_bin, *[str(tiny_model) if a == "{tiny}" else a for a in args], *THREADS)
    assert p.returncode != 0, p.stdout
    assert p.stderr.startswith("error: ") and message in p.stderr, p.stderr
    assert "Traceback" not in p.stderr and "Aborted" not in p.stderr
