"""qwen3_moe (issue 15) against mlx-lm, live, on tiny models that mlx-lm makes and quantizes
(tiny_moe_models.py: f32, bf16, q4/q8 at group 64, q4g32, q8g128, q6g128; router 8-bit as
quantize_model overrides it; layer 1 dense).

Per variant, with test_model_conformance's machinery (same prompts, tolerances and near-tie rule):
  - prefill logits at several prompt positions: <= 1e-3 relative;
  - decode positions: the logits each of mlx-lm's 32 greedy tokens was chosen from, recomputed by
    vllm-cpp over prompt + mlx-lm's tokens: <= 1e-3 relative;
  - the 32-token greedy continuation equals mlx-lm's.
Engine paths (one variant): 16 requests of mixed lengths (1..~300 tokens, all slices of one text,
so they share prefixes) through a server with a 32-token step budget (chunked
prefill) and 32 KV blocks of 16 (preemption), concurrently and then again (prefix-cache hits):
every text equals the solo `generate` run of the same prompt, whose tokens equal mlx-lm's.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import mlx_reference as R
import test_model_conformance as base
import tiny_moe_models
from harness import numerics_args, threads_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from api_helpers import SERVED_NAME, Server  # noqa: E402  (the serve helper of the API suite)

NUM_GENERATED = base.NUM_GENERATED


@pytest.fixture(scope="session")
def moe_cache() -> tiny_moe_models.ModelCache:
    return tiny_moe_models.ModelCache()


@pytest.fixture(scope="module", params=[v.name for v in tiny_moe_models.VARIANTS])
def case(request, vllm_bin, moe_cache, tmp_path_factory):
    variant = tiny_moe_models.VARIANTS_BY_NAME[request.param]
    return base.Case(variant, moe_cache.path(variant), tmp_path_factory.mktemp(variant.name))


def test_prefill_logits(case, cli):
    base.test_prefill_logits(case, cli)


def test_greedy_continuation(case, cli):
    base.test_greedy_continuation(case, cli)


def test_decode_position_logits(case, cli):
    failures = []
    for prompt, ids in case.prompts.items():
        ref = case.refs[prompt]
        seq = list(ids) + ref.token_ids[:-1]
        positions = [len(ids) - 1 + i for i in range(NUM_GENERATED)]
        out = case.tmp_dir / f"{prompt}-decode.npy"
        res = cli("generate", case.model_dir, "--prompt-ids", ",".join(map(str, seq)), "--max-tokens", 1,
                  "--json", "--dump-logits", out, "--dump-positions", ",".join(map(str, positions)),
                  *numerics_args(), *threads_args())
        assert res.returncode == 0, res.describe()
        logits = np.load(out)
        assert logits.shape == ref.step_logits.shape, (logits.shape, ref.step_logits.shape)
        for i in range(NUM_GENERATED):
            err = R.rel_err(logits[i], ref.step_logits[i])
            if not err <= base.REL_TOL:
                failures.append(f"{case.variant.name} / {prompt}: decode step {i}: relative error {err:.3e}")
    assert not failures, "decode-position logits differ from mlx-lm:\n" + "\n".join(failures)


def test_near_tie_fraction():
    base.test_near_tie_fraction()


# ---- engine paths ------------------------------------------------------------------------------

ENGINE_VARIANT = "qwen3_moe-q4g64"
ENGINE_TOKENS = 24
LENGTHS = [1, 3, 7, 12, 17, 25, 31, 40, 47, 64, 80, 97, 120, 150, 200, 260]


def _completion(server, ids):
    status, js = server.json("POST", "/v1/completions", {
        "model": SERVED_NAME, "prompt": ids, "max_tokens": ENGINE_TOKENS, "temperature": 0,
        "ignore_eos": True})
    assert status == 200, js
    return js["choices"][0]["text"]


def _metric(server, name) -> float:
    status, _, body = server.request("GET", "/metrics")
    assert status == 200
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"metric {name} not found")


def test_engine_paths_equal_solo(vllm_bin, moe_cache, cli):
    model_dir = moe_cache.path(ENGINE_VARIANT)
    text_ids = base.make_prompts(model_dir / "tokenizer.json")["long"]
    prompts = [text_ids[:n] for n in LENGTHS]
    # Solo: one `generate` per prompt (one prefill chunk, no cache), checked against mlx-lm.
    model, _ = R.load_f32(model_dir)
    head = R.head_matrix(model)
    solo = []
    for ids in prompts:
        res = cli("generate", model_dir, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", ENGINE_TOKENS,
                  "--ignore-eos", "--json", *numerics_args(), *threads_args())
        assert res.returncode == 0, res.describe()
        js = res.json()
        ref = R.run_reference(model, ids, [-1], ENGINE_TOKENS, head)
        verdict = base.compare_greedy(js["token_ids"], ref)
        assert verdict is None or isinstance(verdict, tuple), f"{len(ids)}-token prompt: {verdict}"
        solo.append(js["text"])
    del model, head
    server = Server(vllm_bin, model_dir,
                    ["--max-num-batched-tokens", 32, "--block-size", 16, "--num-kv-blocks", 32,
                     "--max-num-seqs", 16, "--enable-metrics", *numerics_args()],
                    defaults={"--max-model-len": 512})
    try:
        for round_ in ("concurrent", "concurrent again (prefix-cache hits)"):
            results = [None] * len(prompts)

            def run(i):
                results[i] = _completion(server, prompts[i])

            threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for n, got, want in zip(LENGTHS, results, solo):
                assert got == want, f"{round_}: {n}-token prompt: {got!r} != solo {want!r}"
        assert _metric(server, "vllm_cpp_num_preemptions_total") > 0, "no preemption happened: the test proves less"
        assert _metric(server, "vllm_cpp_prefix_cache_hits_total") > 0, "no prefix-cache hit happened"
    finally:
        assert server.stop() == 0, server.log_text()


# ---- bad input: one clear line each ------------------------------------------------------------

BAD_VARIANT = "qwen3_moe-q4g64"


@pytest.fixture
def moe_copy(moe_cache, tmp_path):
    import shutil

    dst = tmp_path / "model"
    shutil.copytree(moe_cache.path(BAD_VARIANT), dst)
    return dst


def _run_bad(cli, model_dir):
    return cli("generate", model_dir, "--prompt-ids", "9707,11,1879", "--max-tokens", "2", "--json",
               "--threads", "1", timeout=120)


def _edit(model_dir, fn):
    import safetensors_edit as st

    path = model_dir / "model.safetensors"
    meta, tensors = st.read(path)
    fn(tensors)
    st.write(path, meta, tensors)


def test_missing_expert_tensor(cli, moe_copy):
    name = "model.layers.2.mlp.switch_mlp.up_proj.weight"
    _edit(moe_copy, lambda t: t.pop(name))
    from test_cli_errors import assert_clean_error

    assert_clean_error(_run_bad(cli, moe_copy), name, "missing")


def test_expert_count_mismatch(cli, moe_copy):
    """down_proj stacks 7 experts where the config says 8 (one expert's slice dropped)."""
    prefix = "model.layers.0.mlp.switch_mlp.down_proj."

    def drop_last_expert(t):
        for leaf in ("weight", "scales", "biases"):
            dtype, shape, raw = t[prefix + leaf]
            t[prefix + leaf] = (dtype, [shape[0] - 1] + shape[1:], raw[: len(raw) // shape[0] * (shape[0] - 1)])

    _edit(moe_copy, drop_last_expert)
    from test_cli_errors import assert_clean_error

    assert_clean_error(_run_bad(cli, moe_copy), prefix + "weight", "[7,")


def test_experts_per_token_above_expert_count(cli, moe_copy):
    import json

    cfg = json.loads((moe_copy / "config.json").read_text())
    cfg["num_experts_per_tok"] = cfg["num_experts"] + 1
    (moe_copy / "config.json").write_text(json.dumps(cfg))
    from test_cli_errors import assert_clean_error

    assert_clean_error(_run_bad(cli, moe_copy), "num_experts_per_tok", "num_experts")
