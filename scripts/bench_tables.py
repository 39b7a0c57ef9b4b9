#!/usr/bin/env python3
"""Combined markdown tables from a scripts/regen_benchmarks.sh output directory: one row per
model, in the seed report's layouts, with the seed's Apple numbers beside ours (the seed:
../shared/seed/000_ed169dd946dbe792.txt, vllm-mlx on an M4 Max / M1 Max). Standard library only.

    python3 scripts/bench_tables.py OUT_DIR > tables.md
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# The seed's figures (vllm-mlx), by model short name.
SEED_M4 = {  # Results (M4 Max, 128GB): Gen Speed tok/s, TTFT ms, Memory GB
    "Qwen3-0.6B-8bit": (402.3, 58.6, 0.68),
    "Llama-3.2-1B-Instruct-4bit": (463.6, 49.2, 0.69),
    "Qwen2.5-1.5B-Instruct-4bit": (308.5, 86.2, 0.84),
    "Llama-3.2-3B-Instruct-4bit": (200.1, 81.4, 1.79),
    "Qwen3-30B-A3B-4bit": (123.9, 126.9, 16.05),
    "NVIDIA-Nemotron-3-Nano-30B-A3B-MLX-6Bit": (122.9, 72.3, 23.98),
}
SEED_BATCH = {  # Continuous Batching Results: single tok/s, batch (5 req) tok/s, speedup
    "Llama-3.2-1B-Instruct-4bit": (299.1, 613.0, 2.05),
    "Llama-3.2-3B-Instruct-4bit": (137.6, 208.1, 1.51),
    "Qwen3-0.6B-8bit": (328.1, 1111.8, 3.39),
    "Qwen3-30B-A3B-4bit": (98.1, 233.3, 2.38),
    "Qwen2.5-1.5B-Instruct-4bit": (196.9, 322.2, 1.64),
}
SEED_M1_BENCH = "| Qwen3-0.6B-8bit (seed, M1 Max) | 5 | 56 | 1280 | 5.66 | 119.0 | 3.97 | 251.9 | 236.1 |"


def table(cols: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out) + "\n"


def short(model: str) -> str:
    return model.rstrip("/").rsplit("/", 1)[-1]


def load(out: Path, prefix: str) -> list[tuple[str, dict | None, str]]:
    """(model short name, JSON or None, error line) for each OUT/prefix__*.txt, in run order."""
    rows = []
    log = (out / "commands.log").read_text().splitlines() if (out / "commands.log").exists() else []
    names = [l.split("--output ", 1)[1].removesuffix(".json") for l in log if l.startswith("$ ") and "--output " in l]
    for name in names:
        if not name.startswith(prefix + "__"):
            continue
        js, txt = out / f"{name}.json", out / f"{name}.txt"
        err = next((l for l in txt.read_text().splitlines() if l.startswith("error: ")), "") if txt.exists() else ""
        rows.append((name.split("__", 1)[1], json.loads(js.read_text()) if js.exists() and not err else None, err))
    return rows


def main() -> None:
    out = Path(sys.argv[1])
    bench = load(out, "bench")
    hw = next((j["hardware"] for _, j, _ in bench if j), None)
    if hw:
        print(f"Hardware: {hw['cpu_model']}, {hw['physical_cores']} cores ({hw['logical_cpus']} CPUs), "
              f"{hw['threads_used']} threads, {hw['memory_bytes'] / 2**30:.1f} GiB RAM, {hw['simd']}, "
              f"read {hw['read_bandwidth_gbs']:.1f} GB/s\n")
    rows, detail = [], []
    for name, j, err in bench:
        seed = SEED_M4.get(name)
        seed_cells = [f"{seed[0]} tok/s", f"{seed[1]} ms", f"{seed[2]} GB"] if seed else ["", "", ""]
        if j is None:
            rows.append([name, err.removeprefix("error: "), "", ""] + seed_cells)
            continue
        s = j["summary"]
        rows.append([name, f"{s['generation_tokens_per_s']:.1f} tok/s", f"{s['ttft_ms']['mean']:.1f} ms",
                     f"{j['memory']['peak_rss_bytes'] / 1e9:.2f} GB"] + seed_cells)
        detail.append([name, str(s["runs"]), str(s["prompt_tokens"]), str(s["generated_tokens"]),
                       f"{s['total_time_s']:.2f}", f"{s['ttft_ms']['mean']:.1f}", f"{s['tpot_ms_mean']:.2f}",
                       f"{s['generation_tokens_per_s']:.1f}", f"{s['total_throughput_tokens_per_s']:.1f}"])
    if rows:
        print("### bench\n")
        print(table(["Model", "Gen Speed", "TTFT*", "Memory", "seed M4 Max: Gen Speed", "TTFT", "Memory"], rows))
        print(table(["Model", "Runs", "Prompt Tok", "Gen Tok", "Total Time (s)", "TTFT Mean (ms)", "TPOT Mean (ms)",
                     "Gen Speed (tok/s)", "Total Throughput (tok/s)"], detail).rstrip() + "\n" + SEED_M1_BENCH + "\n")

    rows, detail = [], []
    for name, j, err in load(out, "bench-batching"):
        seed = SEED_BATCH.get(name)
        seed_cells = [f"{seed[0]} tok/s", f"{seed[1]} tok/s", f"{seed[2]:.2f}x"] if seed else ["", "", ""]
        if j is None:
            rows.append([name, err.removeprefix("error: "), "", ""] + seed_cells)
            continue
        b, n = j["batch"], j["settings"]["requests"]
        rows.append([name, f"{j['single']['throughput_tokens_per_s']:.1f} tok/s",
                     f"{b['throughput_tokens_per_s']:.1f} tok/s", f"**{j['speedup']:.2f}x**"] + seed_cells)
        detail.append([name, str(n), str(b["total_tokens"]), f"{b['total_time_s']:.2f}",
                       f"{b['throughput_tokens_per_s']:.1f}", f"{b['requests_per_s']:.2f}"])
    if rows:
        print("### bench-batching\n")
        print(table(["Model", "Single Request", "Batch (5 req)", "Speedup", "seed: Single", "seed: Batch",
                     "seed: Speedup"], rows))
        print(table(["Model", "Requests", "Total Tokens", "Total Time (s)", "Throughput (tok/s)", "Requests/sec"],
                    detail).rstrip() + "\n| seed (M1 Max) | 5 | 315 | 0.64 | 492.5 | 7.82 |\n")

    for name, j, err in load(out, "bench-prefix-cache"):
        print(f"### bench-prefix-cache ({name})\n")
        if j is None:
            print(err + "\n")
            continue
        print(table(["Test", "Expected", "Actual", "Time", "Status"],
                    [[s["description"], " or ".join(s["expected"]),
                      s["actual"] + (f" ({s['engine_counted']['hit_tokens']} tok)" if s["actual"] == "PREFIX_HIT" else ""),
                      f"{s['time_ms']:.1f}ms", s["status"]] for s in j["steps"]]))
        f = j["final"]
        print(table(["Cache Hits", "Cache Misses", "Hit Rate", "Tokens Saved", "Cached Speedup"],
                    [[str(f["cache_hits"]), str(f["cache_misses"]), f"{100 * f['hit_rate']:.1f}%",
                      str(f["tokens_saved"]), f"{f['cached_speedup']:.2f}x"],
                     ["seed: 2", "1", "66.7%", "20", "1.55x"]]))

    for name, j, err in load(out, "bench-paged-cache"):
        print(f"### bench-paged-cache ({name})\n")
        if j is None:
            print(err + "\n")
            continue
        off, on = j["without"], j["with"]
        print(table(["Mode", "Time (s)", "Throughput (tok/s)"],
                    [["Without paged cache", f"{off['time_s']:.2f}", f"{off['throughput_tokens_per_s']:.1f}"],
                     ["With paged cache", f"{on['time_s']:.2f}", f"{on['throughput_tokens_per_s']:.1f}"]]))
        print(table(["Speedup", "Blocks Allocated", "Shared Blocks", "Cache Hits", "Tokens Saved"],
                    [[f"{j['speedup']:.2f}x", str(on["blocks_allocated"]), str(on["shared_blocks"]),
                      str(on["cache_hits"]), str(on["tokens_saved"])],
                     ["seed: 1.00x", "45", "4", "10", "2560"]]))
        seed = {"Shared system prompts": "70.8%", "Concurrent memory efficiency": "83.5%",
                "Prefix sharing branches": "38.5%"}
        print(table(["Scenario", "Memory Savings", "seed"],
                    [[s["name"], f"{100 * s['savings']:.1f}%", seed.get(s["name"], "")] for s in j["scenarios"]]))


if __name__ == "__main__":
    main()
