"""Side-by-side CPU benchmark: vllm-cpp vs llama.cpp (llama-cpp-python) vs mlx-lm, same weights,
same prompt ids, same generation length, same thread count, in one run (issue #7 item 5).

Run through bench/compare_cpu.sh (which makes the venv and builds vllm-cpp); this file runs with
build/compare/venv/bin/python (numpy, gguf, llama-cpp-python) and calls <repo>/.venv/bin/python
for the mlx-lm parts. See bench/README.md for what every number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import BY_NAME, MODELS, REPO, WORK, weight_bytes_per_token  # noqa: E402
from mlx_to_gguf import read_safetensors  # noqa: E402

HERE = Path(__file__).resolve().parent
MLX_PY = str(REPO / ".venv" / "bin" / "python")
ENGINES = ("vllm-cpp", "llama.cpp", "mlx-lm")


def log(msg: str) -> None:
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------
# Hardware


def physical_cores() -> int:
    cores, phys, core = set(), None, None
    try:
        for line in open("/proc/cpuinfo"):
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "physical id":
                phys = v
            elif k == "core id":
                core = v
            elif not k and core is not None:
                cores.add((phys, core))
                phys = core = None
        if core is not None:
            cores.add((phys, core))
    except OSError:
        pass
    return len(cores) or os.cpu_count() or 1


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def read_bandwidth_gbs(threads: int, gib: float = 1.0, repeats: int = 5) -> float:
    """numpy sum over a 1 GiB f32 buffer (much larger than any cache), split into `threads` slices
    summed concurrently (numpy releases the GIL inside the reduction); best of `repeats`."""
    a = np.ones(int(gib * (1 << 30)) // 4, dtype=np.float32)
    parts = np.array_split(a, threads)
    best = 0.0
    for _ in range(repeats):
        ts = [threading.Thread(target=np.sum, args=(p,)) for p in parts]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        best = max(best, a.nbytes / (time.perf_counter() - t0) / 1e9)
    return best


# ------------------------------------------------------------------------------------------------
# Weight bytes per decoded token (the floor's numerator)


def mlx_bytes_per_token(spec) -> int:
    sizes = {}
    for f in spec.mlx_dir.glob("*.safetensors"):
        for name, (arr, _) in read_safetensors(f).items():
            sizes[name] = arr.nbytes
    tied = json.loads((spec.mlx_dir / "config.json").read_text()).get("tie_word_embeddings", False)
    return weight_bytes_per_token(sizes, ("model.embed_tokens.",), tied)


def gguf_bytes_per_token(spec) -> int:
    import gguf

    r = gguf.GGUFReader(spec.gguf_path)
    sizes = {t.name: int(t.n_bytes) for t in r.tensors}
    tied = "output.weight" not in sizes
    return weight_bytes_per_token(sizes, ("token_embd.",), tied)


# ------------------------------------------------------------------------------------------------
# Engines. Each returns {"engine", "version", "prompt_tokens", "warmup", "runs": [...]}; a run has
# ttft_ms, prefill_tps, decode_tps, generated, token_ids.


def run_json(cmd: list[str], env=None) -> dict:
    log("$ " + " ".join(cmd if len(" ".join(cmd)) < 300 else cmd[:4] + ["..."]))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited with {p.returncode}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def git_rev() -> str:
    def git(*a):
        return subprocess.run(["git", "-C", str(REPO), *a], capture_output=True, text=True).stdout.strip()

    rev = git("rev-parse", "--short", "HEAD") or "unknown"
    return rev + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def run_vllm(spec, ids, args, out_dir: Path, name: str = "vllm-cpp") -> dict:
    """name "vllm-cpp" runs the default kernels; "vllm-cpp:<target>" forces a SIMD target
    (VLLM_CPP_SIMD, e.g. the opt-in avx512vnni-int8) so that its row sits in the same run."""
    env = dict(os.environ)
    env.pop("VLLM_CPP_SIMD", None)
    if ":" in name:
        env["VLLM_CPP_SIMD"] = name.split(":", 1)[1]
    base = [str(args.vllm_bin), "generate", str(spec.mlx_dir), "--prompt-ids", ",".join(map(str, ids)),
            "--max-tokens", str(args.max_tokens), "--json", "--ignore-eos", "--threads", str(args.threads)]

    def one(extra=()):
        j = run_json(base + list(extra), env=env)
        ttft = j["ttft_ms"]
        return {"ttft_ms": ttft, "prefill_tps": len(j["prompt_token_ids"]) / (ttft / 1e3),
                "decode_tps": j["tokens_per_s"], "generated": len(j["token_ids"]),
                "token_ids": j["token_ids"], "prompt_tokens": len(j["prompt_token_ids"])}

    # The warmup also dumps the logits at the last prompt position (the ones the first token comes from).
    warm = one(["--dump-logits", str(out_dir / f"{name}.logits.npy"), "--dump-positions", "-1"])
    runs = []
    for r in range(args.repeats):
        runs.append(one())
        log(f"{name} run {r + 1}: TTFT {runs[-1]['ttft_ms']:.0f} ms, decode {runs[-1]['decode_tps']:.2f} tok/s")
    return {"engine": name, "version": f"vllm-cpp {git_rev()}", "prompt_tokens": runs[-1]["prompt_tokens"],
            "warmup": warm, "runs": runs}


def run_llama(spec, ids_path, args, out_dir: Path) -> dict:
    return run_json([sys.executable, str(HERE / "run_llama.py"), str(spec.gguf_path), str(ids_path),
                     str(args.max_tokens), str(args.repeats), str(args.threads), str(out_dir)])


def run_mlx(spec, ids_path, args, out_dir: Path) -> dict:
    env = dict(os.environ)
    for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[v] = str(args.threads)
    return run_json([MLX_PY, str(HERE / "run_mlx.py"), str(spec.mlx_dir), str(ids_path),
                     str(args.mlx_max_tokens), str(args.mlx_repeats), str(args.mlx_warmups), str(out_dir)], env=env)


def vllm_reference(spec, ids, max_tokens, args, logits_path: Path) -> list[int]:
    """vllm-cpp's logits (last prompt position) and greedy tokens for another prompt (mlx-lm's
    shorter one): the reference the mlx-lm row's correctness columns compare against."""
    j = run_json([str(args.vllm_bin), "generate", str(spec.mlx_dir), "--prompt-ids", ",".join(map(str, ids)),
                  "--max-tokens", str(max_tokens), "--json", "--ignore-eos", "--threads", str(args.threads),
                  "--dump-logits", str(logits_path), "--dump-positions", "-1"])
    return j["token_ids"]


# ------------------------------------------------------------------------------------------------
# Summary


def summarize(res: dict, stat: str) -> dict:
    runs = res["runs"]
    pick = (lambda xs, better: better(xs)) if stat == "best" else (lambda xs, better: statistics.median(xs))
    return {
        "ttft_ms": pick([r["ttft_ms"] for r in runs], min),
        "prefill_tps": pick([r["prefill_tps"] for r in runs], max),
        "decode_tps": pick([r["decode_tps"] for r in runs], max),
        "generated": runs[-1]["generated"],
    }


def logits_corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation (shift-invariant: log-probs and logits compare directly)."""
    n = min(a.size, b.size)  # GGUF/mlx vocab are padded the same way; guard anyway
    a, b = a.ravel()[:n].astype(np.float64), b.ravel()[:n].astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def common_prefix(a: list, b: list) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def fmt_ratio(x: float, ref: float) -> str:
    return f"{x / ref:.2f}x" if ref > 0 else "-"


def render(report: dict) -> str:
    hw = report["hardware"]
    lines = [
        f"Hardware: {hw['cpu']}, {hw['physical_cores']} physical cores ({hw['logical_cpus']} logical), "
        f"read bandwidth {hw['read_bw_1t_gbs']:.1f} GB/s (1 thread)"
        + (f" / {hw['read_bw_gbs']:.1f} GB/s ({hw['threads']} threads)" if hw["threads"] > 1 else "")
        + " [numpy sum over 1 GiB f32, best of 5]; "
        f"load average before/after: {hw['loadavg_before']} / {hw['loadavg_after']}",
        f"Run: {report['threads']} threads for every engine, greedy, EOS ignored, {report['workload']} "
        f"(TTFT/prefill/decode picked independently); decode floor = weight bytes per token / "
        f"{hw['read_bw_floor_gbs']:.1f} GB/s.",
        "",
        "| model | engine | threads | prompt tok | prefill tok/s | decode tok/s | TTFT ms | prefill / vllm-cpp "
        "| decode / vllm-cpp | TTFT / vllm-cpp | weights/token | decode % of floor | logits corr vs vllm-cpp |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in report["models"]:
        ref = m["engines"].get("vllm-cpp", {}).get("summary")
        for e, r in m["engines"].items():
            if "error" in r:
                lines.append(f"| {m['short']} | {e} | - | - | failed: {r['error']} |  |  |  |  |  |  |  |  |")
                continue
            s = r["summary"]
            corr = r.get("logits_corr_vs_vllm")
            same_prompt = ref is not None and r["prompt_tokens"] == m["engines"]["vllm-cpp"]["prompt_tokens"]
            mark = "*" if r.get("workload") != report["workload"] else ""
            lines.append(
                f"| {m['short']} | {e}{mark} | {report['threads']} | {r['prompt_tokens']} | {s['prefill_tps']:.2f} | "
                f"{s['decode_tps']:.2f} | {s['ttft_ms']:.0f} | "
                + (f"{fmt_ratio(s['prefill_tps'], ref['prefill_tps'])} | {fmt_ratio(s['decode_tps'], ref['decode_tps'])} | "
                   + (f"{fmt_ratio(s['ttft_ms'], ref['ttft_ms'])} | " if same_prompt else "n/a | ")
                   if ref else "- | - | - | ")
                + f"{r['weight_bytes_per_token'] / 1e9:.3f} GB | {100 * s['decode_tps'] / r['floor_tps']:.1f}% "
                f"(floor {r['floor_tps']:.1f} tok/s) | " + ("ref" if e == "vllm-cpp" else
                                                             (f"{corr:.4f}" if corr is not None else "-")) + " |")
    lines.append("")
    if any(r.get("workload") not in (None, report["workload"]) for m in report["models"] for r in m["engines"].values()):
        w = report["mlx_workload"]
        lines.append(f"\\* mlx-lm ran a smaller workload ({w}): its CPU quantized matmul runs at well under "
                     "1 GFLOP/s (bf16 activations), so the common workload would take hours. Its prefill/decode "
                     "tok/s are still per-token rates; its TTFT is for its own prompt (ratio n/a). Use "
                     "--mlx-full to give it the common workload.")
    lines.append("Engines: " + "; ".join(sorted({f"{e}: {r['version']}" for m in report["models"]
                                                for e, r in m["engines"].items() if "version" in r})))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=0, help="threads for every engine (0: physical cores)")
    ap.add_argument("--max-tokens", type=int, default=128, help="generated tokens per run")
    ap.add_argument("--prompt-tokens", type=int, default=128, help="prompt length in tokens")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per engine (after one warmup)")
    ap.add_argument("--stat", choices=("best", "median"), default="best", help="which run each figure reports")
    ap.add_argument("--models", default=",".join(m.short for m in MODELS),
                    help="comma-separated: " + ", ".join(m.short for m in MODELS) + " (or the preset names)")
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated subset of " + ", ".join(ENGINES)
                    + "; vllm-cpp:<simd target> adds a vllm-cpp row with VLLM_CPP_SIMD=<target>")
    ap.add_argument("--mlx-prompt-tokens", type=int, default=4,
                    help="mlx-lm's prompt length (a prefix of the common prompt); it is ~100x slower on CPU")
    ap.add_argument("--mlx-max-tokens", type=int, default=4, help="mlx-lm's generated tokens")
    ap.add_argument("--mlx-repeats", type=int, default=1, help="mlx-lm's timed runs")
    ap.add_argument("--mlx-warmups", type=int, default=0, help="mlx-lm's warmup runs")
    ap.add_argument("--mlx-full", action="store_true", help="give mlx-lm the common workload (slow: hours)")
    ap.add_argument("--output", type=Path, default=WORK / "compare.json", help="JSON report path")
    ap.add_argument("--vllm-bin", type=Path, default=REPO / "build" / "vllm-cpp")
    args = ap.parse_args()
    args.threads = args.threads or physical_cores()
    if args.mlx_full:
        args.mlx_prompt_tokens, args.mlx_max_tokens = args.prompt_tokens, args.max_tokens
        args.mlx_repeats, args.mlx_warmups = args.repeats, 1
    workload = f"{args.prompt_tokens}-token prompt, {args.max_tokens} generated, warmup 1, {args.stat} of {args.repeats}"
    mlx_workload = (f"{args.mlx_prompt_tokens}-token prompt, {args.mlx_max_tokens} generated, "
                    f"warmup {args.mlx_warmups}, {args.stat} of {args.mlx_repeats}")
    engines = [e for e in args.engines.split(",") if e]
    assert all(e in ENGINES or e.startswith("vllm-cpp:") for e in engines), engines
    specs = [BY_NAME[m] for m in args.models.split(",") if m]

    # 1-2. Cached artifacts: the MLX checkpoint (mlx-lm) and the GGUF of the same weights (gguf).
    for spec in specs:
        subprocess.run([MLX_PY, str(HERE / "make_mlx_model.py"), spec.short], check=True)
        subprocess.run([sys.executable, str(HERE / "mlx_to_gguf.py"), spec.short], check=True)

    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    log(f"measuring read bandwidth (1 and {args.threads} threads)")
    bw1 = read_bandwidth_gbs(1)
    bwt = read_bandwidth_gbs(args.threads) if args.threads > 1 else bw1
    bw = max(bw1, bwt)
    report = {
        "threads": args.threads, "max_tokens": args.max_tokens, "prompt_tokens": args.prompt_tokens,
        "repeats": args.repeats, "stat": args.stat, "workload": workload, "mlx_workload": mlx_workload,
        "hardware": {"cpu": cpu_model(), "physical_cores": physical_cores(), "logical_cpus": os.cpu_count(),
                     "threads": args.threads, "read_bw_1t_gbs": bw1, "read_bw_gbs": bwt, "read_bw_floor_gbs": bw,
                     "loadavg_before": load_before},
        "models": [],
    }
    for spec in specs:
        out_dir = WORK / "runs" / spec.short
        out_dir.mkdir(parents=True, exist_ok=True)
        ids = json.loads(subprocess.run([MLX_PY, str(HERE / "prompt_ids.py"), str(spec.tokenizer_dir),
                                         str(args.prompt_tokens)], capture_output=True, text=True, check=True).stdout)
        ids_path = out_dir / "prompt_ids.json"
        ids_path.write_text(json.dumps(ids))
        mlx_ids = ids[:args.mlx_prompt_tokens]
        mlx_ids_path = out_dir / "mlx_prompt_ids.json"
        mlx_ids_path.write_text(json.dumps(mlx_ids))
        m = {"name": spec.name, "short": spec.short, "prompt_token_ids": ids, "engines": {},
             "mlx_weight_bytes_per_token": mlx_bytes_per_token(spec),
             "gguf_weight_bytes_per_token": gguf_bytes_per_token(spec), "gguf_type": spec.gguf_type}
        for e in engines:
            log(f"{spec.short}: {e}")
            (out_dir / f"{e}.logits.npy").unlink(missing_ok=True)
            try:
                if e.startswith("vllm-cpp"):
                    r = run_vllm(spec, ids, args, out_dir, e)
                elif e == "llama.cpp":
                    r = run_llama(spec, ids_path, args, out_dir)
                else:
                    r = run_mlx(spec, mlx_ids_path, args, out_dir)
            except Exception as ex:  # one engine failing still reports the others
                log(f"{spec.short}: {e} failed: {ex}")
                m["engines"][e] = {"error": str(ex)[:80]}
                continue
            r["summary"] = summarize(r, args.stat)
            r["workload"] = mlx_workload if e == "mlx-lm" else workload
            r["weight_bytes_per_token"] = m["gguf_weight_bytes_per_token" if e == "llama.cpp"
                                            else "mlx_weight_bytes_per_token"]
            r["floor_tps"] = bw * 1e9 / r["weight_bytes_per_token"]
            r["decode_pct_of_floor"] = 100 * r["summary"]["decode_tps"] / r["floor_tps"]
            m["engines"][e] = r
        # Correctness: logits at the last prompt position and greedy tokens against vllm-cpp's (itself
        # checked against mlx-lm by tests/conformance), on each engine's own prompt.
        vr = m["engines"].get("vllm-cpp", {})
        for e, r in m["engines"].items():
            if e == "vllm-cpp" or "error" in r or "error" in vr or not vr:
                continue
            ref_logits, ref_tokens = out_dir / "vllm-cpp.logits.npy", vr["warmup"]["token_ids"]
            if r["prompt_tokens"] != vr["prompt_tokens"]:
                ref_logits = out_dir / f"vllm-cpp.{e}-prompt.logits.npy"
                ref_tokens = vllm_reference(spec, mlx_ids, args.mlx_max_tokens, args, ref_logits)
            p = out_dir / f"{e}.logits.npy"
            if p.exists() and ref_logits.exists():
                r["logits_corr_vs_vllm"] = logits_corr(np.load(p), np.load(ref_logits))
            r["greedy_prefix_agreeing_with_vllm"] = common_prefix(r["warmup"]["token_ids"], ref_tokens)
        report["models"].append(m)
    report["hardware"]["loadavg_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    table = render(report)
    report["table_markdown"] = table
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1))
    print(table)
    log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
