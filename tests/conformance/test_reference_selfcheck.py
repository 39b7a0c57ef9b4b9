"""Checks of the yardstick itself (no vllm-cpp needed): the mlx-lm reference is self-consistent,
the tiny models are decisive, and the 1e-3 logits tolerance of test_model_conformance is tight
enough to catch the usual implementation mistakes (each mistake is simulated inside mlx-lm and
must move the logits by well over the tolerance)."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest
from mlx.utils import tree_map
from mlx_lm.models.rope_utils import initialize_rope

import mlx_reference as R
import tiny_models
from test_model_conformance import REL_TOL, make_prompts

MARGIN = 5  # a simulated bug must exceed REL_TOL by this factor


def _load(model_cache, name):
    d = model_cache.path(name)
    model, _ = R.load_f32(d)
    return model, make_prompts(d / "tokenizer.json")


def _last_logits(model, ids, positions=(-1,)):
    return R.run_reference(model, ids, list(positions), 0).prefill_logits


def test_cache_prefill_equals_plain_forward(model_cache):
    """run_reference (decoder stack with KV cache, head at chosen rows) equals Model.__call__."""
    model, prompts = _load(model_cache, "qwen2-q4g64-tied")
    ids = prompts["mixed"]
    pos = [0, 7, -1]
    a = R.run_reference(model, ids, pos, 0).prefill_logits
    b = R.prefill_logits_nocache(model, ids, pos)
    assert R.rel_err(a, b) < 1e-6


def test_greedy_reference_is_decisive(model_cache):
    """The scaled random weights give varied continuations and top-2 gaps far above the
    near-tie tolerance (see tiny_models.py)."""
    model, prompts = _load(model_cache, tiny_models.SMOKE_VARIANT)
    ref = R.run_reference(model, prompts["long"], [-1], 32)
    assert np.isfinite(ref.step_logits).all()
    assert len(set(ref.token_ids)) >= 8, ref.token_ids
    margins = [R.top2_margin(r) for r in ref.step_logits]
    tols = [R.tie_tolerance(r) for r in ref.step_logits]
    assert np.median(margins) > 30 * max(tols), (np.median(margins), max(tols))
    # the first greedy token is the argmax of the last prefill row
    assert ref.token_ids[0] == int(np.argmax(ref.prefill_logits[-1]))


def test_tolerance_catches_bf16_activations(model_cache):
    model, prompts = _load(model_cache, "qwen3-f32-tied")
    ids = prompts["mixed"]
    ref = _last_logits(model, ids, [0, -1])
    model.update(tree_map(lambda a: a.astype(mx.bfloat16) if mx.issubdtype(a.dtype, mx.floating) else a,
                          model.parameters()))
    bad = _last_logits(model, ids, [0, -1]).astype(np.float32)
    for i in range(2):
        assert R.rel_err(bad[i], ref[i]) > MARGIN * REL_TOL


def test_tolerance_catches_missing_llama3_rope_scaling(model_cache):
    model, prompts = _load(model_cache, "llama-f32-tied")
    ids = prompts["long"]
    ref = _last_logits(model, ids)
    for layer in model.layers:
        a = layer.self_attn
        a.rope = initialize_rope(a.head_dim, model.args.rope_theta, False, None, model.args.max_position_embeddings)
    bad = _last_logits(model, ids)
    assert R.rel_err(bad, ref) > MARGIN * REL_TOL


@pytest.mark.parametrize("what", ["q_norm", "k_norm"])
def test_tolerance_catches_ignored_qk_norm_weight(model_cache, what):
    model, prompts = _load(model_cache, "qwen3-bf16-untied")
    ids = prompts["short"]
    ref = _last_logits(model, ids)
    for layer in model.layers:
        norm = getattr(layer.self_attn, what)
        norm.weight = mx.ones_like(norm.weight)
    bad = _last_logits(model, ids)
    assert R.rel_err(bad, ref) > MARGIN * REL_TOL


def test_tolerance_catches_missing_qkv_bias(model_cache):
    model, prompts = _load(model_cache, "qwen2-f32-untied")
    ids = prompts["short"]
    ref = _last_logits(model, ids)
    for layer in model.layers:
        layer.self_attn.k_proj.bias = mx.zeros_like(layer.self_attn.k_proj.bias)
    bad = _last_logits(model, ids)
    assert R.rel_err(bad, ref) > MARGIN * REL_TOL


def test_tolerance_catches_query_key_position_mismatch(model_cache):
    """Queries rotated one position further than keys (e.g. a KV-cache offset bug). A uniform
    shift of all positions would be invisible: RoPE scores depend on relative positions only."""
    model, prompts = _load(model_cache, "qwen3-q8g64-untied")
    ids = prompts["mixed"]
    ref = _last_logits(model, ids)

    class QueryShifted:  # mlx-lm's Attention applies rope to queries first, then keys
        def __init__(self, rope):
            self.rope, self.calls = rope, 0

        def __call__(self, x, offset=0):
            self.calls += 1
            return self.rope(x, offset=offset + (self.calls % 2))

    for layer in model.layers:
        layer.self_attn.rope = QueryShifted(layer.self_attn.rope)
    bad = _last_logits(model, ids)
    assert R.rel_err(bad, ref) > MARGIN * REL_TOL


def test_tolerance_catches_one_bad_quantization_group(model_cache):
    """Dequantizing one group of one layer with the wrong bias shifts the logits noticeably
    (a packing / group-indexing bug changes many groups; one is enough to be seen)."""
    model, prompts = _load(model_cache, "llama-q5g64-tied")
    ids = prompts["short"]
    ref = _last_logits(model, ids)
    lin = model.layers[1].mlp.down_proj
    b = np.array(lin.biases)
    b[:, 3] += np.abs(np.array(lin.scales)[:, 3]) * 8  # every row, group 3 shifted by 8 codes
    lin.biases = mx.array(b)
    bad = _last_logits(model, ids)
    assert R.rel_err(bad, ref) > MARGIN * REL_TOL


@pytest.mark.parametrize("name", ["qwen3-q6g32-f16-untied", "llama-q3g128-f32-untied", "qwen2-bf16-tied"])
def test_decode_head_matches_mlx_lm_call(model_cache, name):
    """The decode steps' numpy head equals a full mlx-lm Model.__call__ with the KV cache."""
    from mlx_lm.models.cache import make_prompt_cache

    model, prompts = _load(model_cache, name)
    ids = prompts["short"]
    ref = R.run_reference(model, ids, [-1], 4)
    cache = make_prompt_cache(model)
    logits = model(mx.array([ids]), cache=cache)[0, -1]
    for i, tok in enumerate(ref.token_ids):
        row = np.array(logits.astype(mx.float32))
        assert R.rel_err(ref.step_logits[i], row) < 1e-5, i
        assert int(np.argmax(row)) == tok
        logits = model(mx.array([[tok]]), cache=cache)[0, -1]


def test_greedy_comparison_rules():
    """compare_greedy: exact match -> None; a difference where the reference had a near tie that
    includes our token -> accepted; any other difference -> a message naming the step."""
    from test_model_conformance import compare_greedy

    rng = np.random.default_rng(1)
    rows = rng.normal(0, 5, size=(4, 1000)).astype(np.float32)
    toks = [int(np.argmax(r)) for r in rows]
    runner_up = int(np.argsort(rows[2])[-2])
    ref = R.Reference([0], rows[:1], toks, rows)
    assert compare_greedy(list(toks), ref) is None
    # decisive gap at step 2: a real difference
    rows[2, runner_up] = rows[2, toks[2]] - 0.5
    msg = compare_greedy(toks[:2] + [runner_up] + toks[3:], ref)
    assert isinstance(msg, str) and "generated token 2" in msg
    # gap below tie_tolerance: accepted as float32 noise
    rows[2, runner_up] = rows[2, toks[2]] - 0.5 * R.tie_tolerance(rows[2])
    assert compare_greedy(toks[:2] + [runner_up, 7, 7], ref) == ("near_tie", 2)
    # a token far below the maximum is never accepted, nor an out-of-vocabulary id
    low = int(np.argmin(rows[1]))
    assert isinstance(compare_greedy([toks[0], low] + toks[2:], ref), str)
    assert isinstance(compare_greedy([toks[0], 5000] + toks[2:], ref), str)
