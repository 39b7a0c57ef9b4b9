"""nemotron_h (issue 16: Mamba2 + attention + MoE) against mlx-lm, live, on tiny models that
mlx-lm makes and quantizes (tiny_hybrid_models.py: f32, bf16, q4/q6/q8 at group 64, and the
layers_block_type spelling; every layer kind incl. a dense `-` layer).

Per variant, prompts of random token ids (no tokenizer; 9, 77 and 300 tokens: the last crosses
mlx-lm's 256-token SSD chunk):
  - prefill logits at every prompt position: <= 1e-3 relative to mlx-lm's;
  - decode positions: the logits each of mlx-lm's 32 greedy tokens was chosen from, recomputed
    by vllm-cpp over prompt + mlx-lm's tokens: <= 1e-3 relative;
  - the 32-token greedy continuation equals mlx-lm's (near-tie rule of test_model_conformance).
State (one variant each): the prompt fed in chunks of 1, 5 and 64 tokens (each chunk continues
the Mamba state in its slot) gives the one-pass logits (<= 1e-5) and tokens; zeroing the state
between chunks moves logits by ~1.0 (MOE_HYBRID.md), so this fails on any state bug.
Engine: 16 concurrent requests through a server with a 32-token step budget (chunked prefill)
and few KV blocks (preemption: recompute from position 0 in a fresh slot) equal their solo runs,
which equal mlx-lm, without prefix caching and with state snapshots (admissions resume from the
snapshot of a shared prefix); 200 requests with random client aborts leave every slot and block
free (/v1/status).
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import threading
import time
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest
from mlx_lm.models.cache import make_prompt_cache

import mlx_reference as R
import test_model_conformance as base
import tiny_hybrid_models
from harness import numerics_args, threads_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_helpers import SERVED_NAME, Server  # noqa: E402

NUM_GENERATED = 32
REL_TOL = 1e-3
CHUNK_TOL = 1e-5
VOCAB = tiny_hybrid_models.CONFIG["vocab_size"]
_rng = np.random.default_rng(16)
PROMPTS = {name: [int(t) for t in _rng.integers(3, VOCAB, size=n)] for name, n in
           (("short", 9), ("mid", 77), ("long", 300))}


@pytest.fixture(scope="session")
def hybrid_cache() -> tiny_hybrid_models.ModelCache:
    return tiny_hybrid_models.ModelCache()


def reference(model, ids, num_tokens) -> R.Reference:
    """mlx-lm's Model.__call__ with its cache (KVCache for `*`, ArraysCache for `M` layers): the
    prompt in one pass (all positions projected: the vocabulary is 512), then greedy 1-token steps."""
    cache = make_prompt_cache(model)
    logits = model(mx.array([ids], dtype=mx.int32), cache=cache)[0].astype(mx.float32)
    mx.eval(logits)
    prefill = np.array(logits)
    row, out, steps = prefill[-1], [], []
    for i in range(num_tokens):
        tok = int(np.argmax(row))
        out.append(tok)
        steps.append(row)
        if i + 1 < num_tokens:
            nxt = model(mx.array([[tok]], dtype=mx.int32), cache=cache)[0, -1].astype(mx.float32)
            mx.eval(nxt)
            row = np.array(nxt)
    return R.Reference(list(range(len(ids))), prefill, out, np.stack(steps))


class Case:
    def __init__(self, variant, model_dir, tmp_dir):
        self.variant, self.model_dir, self.tmp_dir = variant, model_dir, tmp_dir
        model, _ = R.load_f32(model_dir)
        self.refs = {k: reference(model, ids, NUM_GENERATED) for k, ids in PROMPTS.items()}
        del model
        self._ours = {}

    def run(self, cli, prompt, chunk=0, seq=None, positions=None, max_tokens=NUM_GENERATED):
        """(json, logits at `positions` (all prompt positions by default)) from vllm-cpp."""
        ids = seq if seq is not None else PROMPTS[prompt]
        positions = positions if positions is not None else list(range(len(ids)))
        out = self.tmp_dir / f"{prompt}-{chunk}-{len(ids)}.npy"
        res = cli("generate", self.model_dir, "--prompt-ids", ",".join(map(str, ids)),
                  "--max-tokens", max_tokens, "--ignore-eos", "--json", "--dump-logits", out,
                  "--dump-positions", ",".join(map(str, positions)), "--prefill-chunk", chunk,
                  *numerics_args(), *threads_args())
        assert res.returncode == 0, res.describe()
        return res.json(), np.load(out)

    def ours(self, cli, prompt):
        if prompt not in self._ours:
            self._ours[prompt] = self.run(cli, prompt)
        return self._ours[prompt]


@pytest.fixture(scope="module", params=[v.name for v in tiny_hybrid_models.VARIANTS])
def case(request, vllm_bin, hybrid_cache, tmp_path_factory):
    variant = tiny_hybrid_models.VARIANTS_BY_NAME[request.param]
    return Case(variant, hybrid_cache.path(variant), tmp_path_factory.mktemp(variant.name))


def test_prefill_logits(case, cli):
    failures = []
    for prompt, ids in PROMPTS.items():
        js, logits = case.ours(cli, prompt)
        ref = case.refs[prompt]
        assert logits.shape == ref.prefill_logits.shape, (logits.shape, ref.prefill_logits.shape)
        assert np.isfinite(logits).all(), f"{prompt}: non-finite logits"
        for p in range(len(ids)):
            err = R.rel_err(logits[p], ref.prefill_logits[p])
            if not err <= REL_TOL:
                failures.append(f"{case.variant.name} / {prompt}: position {p}: relative error {err:.3e}")
    assert not failures, "prefill logits differ from mlx-lm:\n" + "\n".join(failures[:20])


def test_greedy_continuation(case, cli):
    failures = []
    for prompt in PROMPTS:
        js, _ = case.ours(cli, prompt)
        assert len(js["token_ids"]) == NUM_GENERATED, js
        verdict = base.compare_greedy(js["token_ids"], case.refs[prompt])
        if verdict is not None and not isinstance(verdict, tuple):
            failures.append(f"{case.variant.name} / {prompt}: {verdict}")
    assert not failures, "greedy continuation differs from mlx-lm:\n" + "\n".join(failures)


def test_decode_position_logits(case, cli):
    failures = []
    for prompt, ids in PROMPTS.items():
        ref = case.refs[prompt]
        seq = list(ids) + ref.token_ids[:-1]
        positions = [len(ids) - 1 + i for i in range(NUM_GENERATED)]
        _, logits = case.run(cli, prompt, seq=seq, positions=positions, max_tokens=1)
        for i in range(NUM_GENERATED):
            err = R.rel_err(logits[i], ref.step_logits[i])
            if not err <= REL_TOL:
                failures.append(f"{case.variant.name} / {prompt}: decode step {i}: relative error {err:.3e}")
    assert not failures, "decode-position logits differ from mlx-lm:\n" + "\n".join(failures[:20])


@pytest.mark.parametrize("variant", ["nemotron_h-q6g64", "nemotron_h-f32"])
def test_chunked_prefill_equals_one_pass(variant, vllm_bin, hybrid_cache, cli, tmp_path):
    c = Case.__new__(Case)
    c.variant, c.model_dir, c.tmp_dir = tiny_hybrid_models.VARIANTS_BY_NAME[variant], hybrid_cache.path(variant), tmp_path
    one_js, one = c.run(cli, "long", chunk=0)
    for chunk in (1, 5, 64):
        js, logits = c.run(cli, "long", chunk=chunk)
        err = max(R.rel_err(logits[p], one[p]) for p in range(len(PROMPTS["long"])))
        assert err <= CHUNK_TOL, f"{variant}: chunks of {chunk}: logits differ from one pass by {err:.3e}"
        assert js["token_ids"] == one_js["token_ids"], f"{variant}: chunks of {chunk}: tokens differ"


# ---- engine paths ------------------------------------------------------------------------------

ENGINE_VARIANT = "nemotron_h-q6g64"
ENGINE_TOKENS = 24
LENGTHS = [1, 3, 7, 12, 17, 25, 31, 40, 47, 64, 80, 97, 120, 150, 200, 260]


def _completion(server, ids, max_tokens=ENGINE_TOKENS):
    status, js = server.json("POST", "/v1/completions", {
        "model": SERVED_NAME, "prompt": ids, "max_tokens": max_tokens, "temperature": 0, "ignore_eos": True,
        "logprobs": 0})
    assert status == 200, js
    return js["choices"][0]["text"]


def _status(server):
    status, js = server.json("GET", "/v1/status")
    assert status == 200, js
    return js


def _metric(server, name) -> float:
    status, _, body = server.request("GET", "/metrics")
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"metric {name} not found")


@pytest.fixture(scope="module")
def engine_solo(vllm_bin, hybrid_cache, cli):
    """The prompts (slices of one token stream: they share prefixes) and their solo `generate`
    texts, whose tokens are checked against mlx-lm."""
    model_dir = hybrid_cache.path(ENGINE_VARIANT)
    long_ids = [int(t) for t in np.random.default_rng(7).integers(3, VOCAB, size=max(LENGTHS))]
    prompts = [long_ids[:n] for n in LENGTHS]
    model, _ = R.load_f32(model_dir)
    solo = []
    for ids in prompts:
        res = cli("generate", model_dir, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", ENGINE_TOKENS,
                  "--ignore-eos", "--json", *numerics_args(), *threads_args())
        assert res.returncode == 0, res.describe()
        js = res.json()
        verdict = base.compare_greedy(js["token_ids"], reference(model, ids, ENGINE_TOKENS))
        assert verdict is None or isinstance(verdict, tuple), f"{len(ids)}-token prompt: {verdict}"
        solo.append(js["text"])
    return model_dir, prompts, solo


def _concurrent(server, prompts):
    results = [None] * len(prompts)

    def run(i):
        results[i] = _completion(server, prompts[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_engine_concurrent_and_preempted_equal_solo(vllm_bin, engine_solo):
    model_dir, prompts, solo = engine_solo
    server = Server(vllm_bin, model_dir,
                    ["--max-num-batched-tokens", 32, "--block-size", 16, "--num-kv-blocks", 32,
                     "--max-num-seqs", 16, "--enable-metrics", *numerics_args()],
                    defaults={"--max-model-len": 512})
    try:
        assert "prefix caching is off for nemotron_h" in server.log_text()
        for n, got, want in zip(LENGTHS, _concurrent(server, prompts), solo):
            assert got == want, f"{n}-token prompt: {got!r} != solo {want!r}"
        assert _metric(server, "vllm_cpp_num_preemptions_total") > 0, "no preemption happened: the test proves less"
        st = _status(server)
        assert st["state_slots"] == {"total": 16, "free": 16}, st
        assert st["kv_cache"]["blocks_used"] == 0, st
        assert st["prefix_cache"]["hit_tokens"] == 0, st
    finally:
        assert server.stop() == 0, server.log_text()


def test_engine_with_state_snapshots_equals_solo(vllm_bin, engine_solo):
    """Prefix caching through state snapshots: the prompts share prefixes, so later admissions
    start from earlier prompts' snapshots (chunked, preempted, concurrently, then again)."""
    model_dir, prompts, solo = engine_solo
    server = Server(vllm_bin, model_dir,
                    ["--max-num-batched-tokens", 32, "--block-size", 16, "--num-kv-blocks", 40,
                     "--max-num-seqs", 16, "--state-snapshot-memory", "4MiB", "--enable-metrics",
                     *numerics_args()],
                    defaults={"--max-model-len": 512})
    try:
        assert "through state snapshots at block boundaries" in server.log_text()
        for round_ in ("concurrent", "concurrent again"):
            for n, got, want in zip(LENGTHS, _concurrent(server, prompts), solo):
                assert got == want, f"{round_}: {n}-token prompt: {got!r} != solo {want!r}"
        st = _status(server)
        assert st["state_snapshots"]["hits"] > 0 and st["prefix_cache"]["hit_tokens"] > 0, st
        assert st["prefix_cache"]["hit_tokens"] % 16 == 0, st
        assert _metric(server, "vllm_cpp_num_preemptions_total") > 0, "no preemption happened: the test proves less"
        assert st["state_slots"]["free"] == st["state_slots"]["total"] == 16, st
        assert st["kv_cache"]["blocks_used"] == 0, st
    finally:
        assert server.stop() == 0, server.log_text()


def _stream_and_maybe_abort(server, ids, abort_after, max_tokens, results, i):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=120)
    try:
        body = {"model": SERVED_NAME, "prompt": ids, "max_tokens": max_tokens, "temperature": 0.8, "seed": i,
                "ignore_eos": True, "stream": True}
        conn.request("POST", "/v1/completions", json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        if resp.status != 200:
            results[i] = ("status", resp.status)
            return
        if abort_after is not None:
            events = 0
            while events < abort_after:
                line = resp.readline()
                if not line:
                    break
                events += line.startswith(b"data: ")
            conn.sock.close()
            results[i] = ("aborted", events)
            return
        results[i] = ("done", resp.read())
    except Exception as e:  # noqa: BLE001 - reported below
        results[i] = ("error", repr(e))
    finally:
        conn.close()


def test_slot_accounting_after_200_requests_with_aborts(vllm_bin, hybrid_cache):
    model_dir = hybrid_cache.path(ENGINE_VARIANT)
    server = Server(vllm_bin, model_dir,
                    ["--max-num-batched-tokens", 64, "--block-size", 16, "--num-kv-blocks", 48,
                     "--max-num-seqs", 8],
                    defaults={"--max-model-len": 512})
    rng = random.Random(200)
    try:
        results = [None] * 200
        for wave in range(0, 200, 25):
            threads = []
            for i in range(wave, wave + 25):
                ids = [rng.randrange(3, VOCAB) for _ in range(rng.randint(1, 150))]
                abort = rng.randint(0, 8) if rng.random() < 0.4 else None
                t = threading.Thread(target=_stream_and_maybe_abort,
                                     args=(server, ids, abort, rng.randint(1, 40), results, i))
                t.start()
                threads.append(t)
            for t in threads:
                t.join()
        kinds = [r[0] for r in results]
        assert set(kinds) <= {"done", "aborted"}, [r for r in results if r[0] not in ("done", "aborted")][:5]
        assert kinds.count("aborted") > 20 and kinds.count("done") > 100, kinds
        deadline = time.time() + 30
        while True:
            st = _status(server)
            if st["num_running"] == 0 and st["num_waiting"] == 0:
                break
            assert time.time() < deadline, st
            time.sleep(0.1)
        assert st["state_slots"] == {"total": 8, "free": 8}, st
        assert st["kv_cache"]["blocks_used"] == 0, st
        assert st["finished_requests"] >= 200 - kinds.count("aborted"), st
    finally:
        assert server.stop() == 0, server.log_text()


# ---- checkpoint layouts and bad input ----------------------------------------------------------

LAYOUT_VARIANT = "nemotron_h-q6g64"


@pytest.fixture
def hybrid_copy(hybrid_cache, tmp_path):
    import shutil

    dst = tmp_path / "model"
    shutil.copytree(hybrid_cache.path(LAYOUT_VARIANT), dst)
    return dst


def _edit(model_dir, fn):
    import safetensors_edit as st

    path = model_dir / "model.safetensors"
    meta, tensors = st.read(path)
    fn(tensors)
    st.write(path, meta, tensors)


def _logits(cli, model_dir, tmp_path):
    out = tmp_path / "l.npy"
    res = cli("generate", model_dir, "--prompt-ids", ",".join(map(str, PROMPTS["mid"])), "--max-tokens", 1,
              "--json", "--dump-logits", out, "--dump-positions", "0,40,-1", *numerics_args(), *threads_args())
    assert res.returncode == 0, res.describe()
    return np.load(out), res


def test_hf_conv_layout_and_mtp_tensors(cli, hybrid_cache, hybrid_copy, tmp_path):
    """HF stores conv1d as [C, 1, K] (the same bytes as MLX's [C, K, 1]); Nemotron checkpoints may
    carry a multi-token-prediction head (mtp.*) that mlx-lm drops: same logits, no warning."""
    want, _ = _logits(cli, hybrid_cache.path(LAYOUT_VARIANT), tmp_path)

    def to_hf(t):
        for name, (dtype, shape, raw) in list(t.items()):
            if name.endswith("conv1d.weight"):
                assert shape[2] == 1, shape
                t[name] = (dtype, [shape[0], 1, shape[1]], raw)
        t["mtp.layers.0.norm.weight"] = ("BF16", [4], b"\x80\x3f" * 4)

    _edit(hybrid_copy, to_hf)
    got, res = _logits(cli, hybrid_copy, tmp_path)
    assert np.array_equal(got, want)
    assert "unused tensor" not in res.stderr, res.stderr


def test_missing_mamba_tensor(cli, hybrid_copy):
    from test_cli_errors import assert_clean_error

    name = "backbone.layers.0.mixer.A_log"
    _edit(hybrid_copy, lambda t: t.pop(name))
    res = cli("generate", hybrid_copy, "--prompt-ids", "5,6,7", "--max-tokens", "2", "--threads", "1", timeout=120)
    assert_clean_error(res, name, "missing")


def test_conv_weight_of_wrong_shape(cli, hybrid_copy):
    from test_cli_errors import assert_clean_error

    name = "backbone.layers.0.mixer.conv1d.weight"

    def widen(t):
        dtype, shape, raw = t[name]
        t[name] = (dtype, [shape[0] // 2, shape[1] * 2, 1], raw)

    _edit(hybrid_copy, widen)
    res = cli("generate", hybrid_copy, "--prompt-ids", "5,6,7", "--max-tokens", "2", "--threads", "1", timeout=120)
    assert_clean_error(res, name, "shape")


def test_bad_pattern_is_one_line(cli, hybrid_copy):
    from test_cli_errors import assert_clean_error

    cfg = json.loads((hybrid_copy / "config.json").read_text())
    cfg["hybrid_override_pattern"] = "ME*X"
    (hybrid_copy / "config.json").write_text(json.dumps(cfg))
    res = cli("generate", hybrid_copy, "--prompt-ids", "5,6,7", "--max-tokens", "2", "--threads", "1", timeout=120)
    assert_clean_error(res, "hybrid_override_pattern", "'X'")
