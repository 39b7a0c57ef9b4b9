"""Tensor parallelism on CPUs (issue 20): `mpirun -np N vllm-cpp generate ... --tensor-parallel-size N`
against the same command in one process, on the tiny conformance models (tiny_models.py,
tiny_moe_models.py; their cache is shared with the conformance suite).

Each rank holds a Megatron shard (q/k/v and gate/up by output rows, o_proj/down_proj by input
columns + all-reduce, output projection by vocabulary rows + all-gather). The only difference
from one process is the order of the f32 sums inside o_proj and down_proj (two partial sums
added by the all-reduce), so prompt logits agree within 1e-5 relative and the greedy text is
identical. Each TP run is also held against the live reference, mlx-lm in float32 on the same
stored weights (mlx_reference.py): prompt logits within test_model_conformance's 1e-3 and the
same greedy tokens up to a near tie.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import mlx_reference as R
import tiny_moe_models
from harness import CliResult, numerics_args

PROMPT = [791, 6460, 13, 578, 11, 279, 4320, 374, 220, 17, 15, 1041, 315, 264, 3363, 30, 11, 323]
POSITIONS = "0,5,11,-1"
NUM_GENERATED = 12
REL_TOL = 1e-5

# Every family, tied and untied, dense dtypes and MLX-affine bit widths / group sizes whose
# row-parallel slices fall on whole groups (o_proj: 256 columns, down_proj: the intermediate size).
TP2_VARIANTS = [
    "llama-f32-tied",         # 8 query heads, 2 KV heads -> 1 KV head per rank
    "llama-q4g64-untied",
    "qwen2-f32-untied",       # q/k/v biases (column-parallel: each rank its rows' bias)
    "qwen2-q8g64-untied",
    "qwen3-q4g64-tied",       # per-head q/k norms
    "qwen3-bf16-untied",
    "qwen3hd64-q4g32-untied",
]


def _mpirun(np_: int) -> list[str]:
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.fail("mpirun not found: scripts/setup.sh installs openmpi-bin", pytrace=False)
    # Ranks share the cores: a rank waiting in a collective yields instead of spinning.
    args = [mpirun, "-np", str(np_), "--oversubscribe", "--bind-to", "none", "--mca", "mpi_yield_when_idle", "1"]
    if os.geteuid() == 0:
        args.append("--allow-run-as-root")
    return args


def _env() -> dict:
    env = dict(os.environ)
    # Each rank computes on one thread: N ranks share this 2-core machine.
    env.setdefault("OMPI_MCA_btl", "self,vader,tcp")
    return env


def _run(cmd: list, timeout: float = 240) -> CliResult:
    try:
        p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, errors="replace",
                           env=_env())
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"timed out after {timeout} s (a hang): {' '.join(map(str, cmd))}\n{(e.stderr or b'')[-2000:]!r}",
                    pytrace=False)
    return CliResult(cmd, p.returncode, p.stdout, p.stderr)


def _generate(vllm_bin: Path, model_dir: Path, out: Path, tp: int, num_generated: int = NUM_GENERATED,
              extra: tuple = ()) -> tuple[dict, np.ndarray]:
    args = ["generate", model_dir, "--prompt-ids", ",".join(map(str, PROMPT)), "--max-tokens", num_generated, *extra,
            "--ignore-eos", "--json", "--dump-logits", out, "--dump-positions", POSITIONS, *numerics_args(),
            "--threads", "1"]
    cmd = [vllm_bin, *args] if tp == 1 else [*_mpirun(tp), vllm_bin, *args, "--tensor-parallel-size", tp]
    res = _run(cmd)
    assert res.returncode == 0, res.describe()
    return res.json(), np.load(out)


def _compare(vllm_bin: Path, model_dir: Path, tmp_path: Path, tp: int) -> None:
    one, one_logits = _generate(vllm_bin, model_dir, tmp_path / "tp1.npy", 1)
    par, par_logits = _generate(vllm_bin, model_dir, tmp_path / f"tp{tp}.npy", tp)
    assert par_logits.shape == one_logits.shape
    errs = [float(np.linalg.norm(par_logits[i] - one_logits[i]) / np.linalg.norm(one_logits[i]))
            for i in range(one_logits.shape[0])]
    assert max(errs) <= REL_TOL, f"{model_dir.name} TP={tp}: relative logits errors {errs} > {REL_TOL}"
    assert par["token_ids"] == one["token_ids"], (one["token_ids"], par["token_ids"])
    assert len(one["token_ids"]) == NUM_GENERATED
    # The live reference: mlx-lm (float32) on the same checkpoint.
    model, _ = R.load_f32(model_dir)
    ref = R.run_reference(model, PROMPT, [int(p) for p in POSITIONS.split(",")], NUM_GENERATED)
    ref_errs = [R.rel_err(par_logits[i], ref.prefill_logits[i]) for i in range(len(ref.positions))]
    assert max(ref_errs) <= 1e-3, f"{model_dir.name} TP={tp} vs mlx-lm: relative logits errors {ref_errs}"
    for i, (ours, theirs) in enumerate(zip(par["token_ids"], ref.token_ids)):
        if ours != theirs:  # only a near tie in the reference's own logits may differ (then stop)
            row = ref.step_logits[i]
            assert row[theirs] - row[ours] <= R.tie_tolerance(row), (i, par["token_ids"], ref.token_ids)
            break


@pytest.mark.parametrize("variant", TP2_VARIANTS)
def test_tp2_matches_one_process(vllm_bin, model_cache, tmp_path, variant):
    _compare(vllm_bin, model_cache.path(variant), tmp_path, 2)


def test_tp2_moe_matches_one_process(vllm_bin, tmp_path):
    """qwen3_moe: every expert's gate/up rows and down columns split (moe_intermediate 128 -> 64),
    the router and the dense layer 1 as in the dense models."""
    _compare(vllm_bin, tiny_moe_models.ModelCache().path("qwen3_moe-q4g64"), tmp_path, 2)


def test_tp4_replicates_kv_heads(vllm_bin, model_cache, tmp_path):
    """4 ranks over 2 KV heads: ranks 0-1 keep KV head 0, ranks 2-3 KV head 1 (replicated)."""
    _compare(vllm_bin, model_cache.path("llama-f32-tied"), tmp_path, 4)


def test_tp_refuses_split_inside_a_quantization_group(vllm_bin, model_cache):
    """llama's intermediate size 640 is 5 groups of 128: half of it is not whole groups."""
    model_dir = model_cache.path("llama-q3g128-f32-untied")
    res = _run([*_mpirun(2), vllm_bin, "generate", model_dir, "--prompt-ids", "1,2,3", "--max-tokens", 1,
                "--tensor-parallel-size", 2, "--threads", "1"], timeout=120)
    assert res.returncode != 0, res.describe()
    assert "whole quantization groups of 128" in res.stderr, res.describe()


def test_tp_without_mpirun_is_one_clear_error(vllm_bin, model_cache):
    res = _run([vllm_bin, "generate", model_cache.path("llama-f32-tied"), "--prompt-ids", "1,2", "--max-tokens", 1,
                "--tensor-parallel-size", 2], timeout=60)
    assert res.returncode != 0, res.describe()
    assert "mpirun -np 2" in res.stderr, res.describe()
    assert "Aborted" not in res.stderr and "terminate called" not in res.stderr, res.describe()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_pids(launcher_pid: int) -> dict[int, int]:
    """rank -> pid of the processes mpirun started (their environment names the rank)."""
    ranks = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes().split(b"\0")
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if b"OMPI_COMM_WORLD_RANK=" not in b"\0".join(env):
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid != launcher_pid:
            continue
        for e in env:
            if e.startswith(b"OMPI_COMM_WORLD_RANK="):
                ranks[int(e.split(b"=", 1)[1])] = int(d.name)
    return ranks


def test_serve_tp2_answers_then_exits_when_a_rank_dies(vllm_bin, model_cache):
    """A TP=2 server answers a completion like the one-process generate run; killing rank 1
    while a request is generating makes the whole launch exit promptly with mpirun's message
    naming the dead rank (no hang)."""
    model_dir = model_cache.path("qwen3-q4g64-tied")
    port = _free_port()
    cmd = [*_mpirun(2), vllm_bin, "serve", model_dir, "--port", port, "--tensor-parallel-size", 2, "--threads", "1",
           "--kv-cache-memory", "64MiB", "--max-num-seqs", "8"]
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=_env(), start_new_session=True)
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, f"server exited early:\n{proc.stdout.read()[-3000:]}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "server did not become healthy"
            time.sleep(0.5)
        body = json.dumps({"model": model_dir.name, "prompt": PROMPT, "max_tokens": 6, "temperature": 0,
                           "ignore_eos": True}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/completions", body,
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            served = json.loads(r.read())
        ref = _run([vllm_bin, "generate", model_dir, "--prompt-ids", ",".join(map(str, PROMPT)), "--max-tokens", 6,
                    "--ignore-eos", "--json", "--threads", "1"])
        assert ref.returncode == 0, ref.describe()
        assert served["choices"][0]["text"] == ref.json()["text"], (served, ref.stdout)

        ranks = _rank_pids(proc.pid)
        assert set(ranks) == {0, 1}, ranks
        # Kill rank 1 mid-generation: rank 0 is then inside a step's collectives.
        long_body = json.dumps({"model": model_dir.name, "prompt": PROMPT, "max_tokens": 3000,
                                "ignore_eos": True}).encode()

        def long_request():
            try:
                urllib.request.urlopen(urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/completions", long_body, {"Content-Type": "application/json"}),
                    timeout=90).read()
            except OSError:
                pass  # the server goes away mid-reply: expected

        client = threading.Thread(target=long_request)
        client.start()
        time.sleep(1.5)
        os.kill(ranks[1], signal.SIGKILL)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail("the server kept running (or hung) after rank 1 died", pytrace=False)
        assert proc.returncode != 0, out[-3000:]
        assert "rank 1" in out and ("signal 9" in out or "Killed" in out), out[-3000:]
        client.join(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_bench_tp2_reports_from_rank_0(vllm_bin, model_cache, tmp_path):
    """`bench --tensor-parallel-size 2` under mpirun: rank 0 runs and reports the benchmark (one
    report, every requested token generated), rank 1 serves its steps and ends quietly."""
    out = tmp_path / "bench.json"
    res = _run([*_mpirun(2), vllm_bin, "bench", "--model", model_cache.path("qwen3-q4g64-tied"),
                "--tensor-parallel-size", 2, "--threads", 1, "--prompts", 2, "--max-tokens", 8, "--output", out])
    assert res.returncode == 0, res.describe()
    j = json.loads(out.read_text())
    assert j["engine"]["tensor_parallel_size"] == 2
    assert j["summary"]["generated_tokens"] == 16 and all(r["finish_reason"] == "length" for r in j["runs"]), j


def test_tp2_worker_cache_grows_mid_sequence(vllm_bin, model_cache, tmp_path):
    """Block size 1: the 78-token sequence passes the workers' first 64-block cache mid-decode;
    the grown cache must keep the blocks already written, or the greedy tokens diverge."""
    model_dir = model_cache.path("qwen3-q4g64-tied")
    one, _ = _generate(vllm_bin, model_dir, tmp_path / "tp1.npy", 1, 60, ("--block-size", 1))
    par, _ = _generate(vllm_bin, model_dir, tmp_path / "tp2.npy", 2, 60, ("--block-size", 1))
    assert len(one["token_ids"]) == 60
    assert par["token_ids"] == one["token_ids"], (one["token_ids"], par["token_ids"])
