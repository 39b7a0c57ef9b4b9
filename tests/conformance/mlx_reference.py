"""The numerical reference: mlx-lm run with float32 activations on the stored weights.

load_f32 loads a saved directory with mlx_lm.utils.load_model (mlx-lm's own loader: sanitize,
quantization from config.json, strict name/shape matching) and then casts every floating
parameter, including the scales/biases of quantized layers, to float32. bf16/f16 values are
exactly representable in float32, so the reference sees exactly the stored weights and the only
difference left between it and vllm-cpp is arithmetic error. Packed uint32 weights stay packed;
QuantizedLinear / QuantizedEmbedding then compute with float32 scales and inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlx.core as mx
import numpy as np
from mlx.utils import tree_map
from mlx_lm.models.cache import make_prompt_cache
from mlx_lm.utils import load_model

mx.random.seed(0)  # nothing below samples; seeded anyway so any accidental use is repeatable


def load_f32(model_dir: Path):
    model, config = load_model(Path(model_dir))
    model.update(
        tree_map(
            lambda a: a.astype(mx.float32) if mx.issubdtype(a.dtype, mx.floating) else a,
            model.parameters(),
        )
    )
    mx.eval(model.parameters())
    return model, config


def resolve_positions(positions, num_tokens: int) -> list[int]:
    """Negative positions count from the end (-1 = last prompt token), as in --dump-positions."""
    out = [p + num_tokens if p < 0 else p for p in positions]
    assert all(0 <= p < num_tokens for p in out), (positions, num_tokens)
    return out


def _head(model, h: mx.array) -> mx.array:
    """The output projection exactly as mlx-lm's llama/qwen2/qwen3 Model.__call__ applies it."""
    if model.args.tie_word_embeddings:
        return model.model.embed_tokens.as_linear(h)
    return model.lm_head(h)


@dataclass
class Reference:
    positions: list[int]  # resolved prompt positions
    prefill_logits: np.ndarray  # [len(positions), vocab]; row i predicts the token after positions[i]
    token_ids: list[int]  # the greedy continuation
    step_logits: np.ndarray  # [n, vocab]: the logits each greedy token was chosen from


def head_matrix(model) -> np.ndarray:
    """The output projection as a float32 [vocab, hidden] matrix: the embedding (tied) or lm_head
    weight, dequantized by MLX itself (mx.dequantize) when quantized."""
    m = model.model.embed_tokens if model.args.tie_word_embeddings else model.lm_head
    w = m.weight
    if hasattr(m, "scales"):
        w = mx.dequantize(m.weight, m.scales, m.biases, m.group_size, m.bits, mode=m.mode)
    w = w.astype(mx.float32)
    mx.eval(w)
    return np.array(w)


def run_reference(model, token_ids, positions, num_tokens: int, head: np.ndarray | None = None) -> Reference:
    """Prefill the whole prompt through mlx-lm's model with its KV cache (one causal forward pass),
    take the logits at `positions`, then decode greedily one token per forward pass, all float32.

    The prompt pass calls model.model (mlx-lm's decoder stack) and applies mlx-lm's own output
    projection (_head) only at the requested positions: mlx's CPU matmul is slow for many rows
    (~1 GFLOP/s here), and projecting all L positions onto a 150k vocabulary would cost ~10 s for
    a 300-token prompt. Decode steps run mlx-lm's decoder stack with its KV cache one token at a
    time; their output projection is `head` (head_matrix: the same weights, dequantized by MLX)
    times the hidden state in numpy/BLAS, 3-5x faster than mlx's CPU gemv and equal to it up to
    float32 rounding (~1e-7 relative) -- differences that size are covered by the near-tie rule.
    """
    pos = resolve_positions(positions, len(token_ids))
    cache = make_prompt_cache(model)
    h = model.model(mx.array([token_ids], dtype=mx.int32), cache=cache)[0]
    rows = mx.array(sorted(set(pos) | {len(token_ids) - 1}))
    picked = _head(model, h[rows]).astype(mx.float32)
    mx.eval(picked)
    picked = np.array(picked)
    index = {p: i for i, p in enumerate(np.array(rows).tolist())}
    prefill = np.stack([picked[index[p]] for p in pos])
    row = picked[index[len(token_ids) - 1]]
    if num_tokens > 1 and head is None:
        head = head_matrix(model)
    out, step_rows = [], []
    for i in range(num_tokens):
        tok = int(np.argmax(row))
        out.append(tok)
        step_rows.append(row)
        if i + 1 < num_tokens:
            h = model.model(mx.array([[tok]], dtype=mx.int32), cache=cache)[0, -1].astype(mx.float32)
            mx.eval(h)
            row = head @ np.array(h)
    return Reference(pos, prefill, out, np.stack(step_rows) if step_rows else np.zeros((0, picked.shape[1])))


def prefill_logits_nocache(model, token_ids, positions) -> np.ndarray:
    """Logits at `positions` from Model.__call__ without a cache (all positions projected:
    slow for long prompts; used by the self-checks on short prompts only)."""
    pos = resolve_positions(positions, len(token_ids))
    logits = model(mx.array([token_ids], dtype=mx.int32))[0]
    out = logits[mx.array(pos)].astype(mx.float32)
    mx.eval(out)
    return np.array(out)


def tie_tolerance(row: np.ndarray) -> float:
    """Logit differences below this are numerical noise: two float32 implementations that
    each sum ~1e3 terms in different orders (and vllm-cpp's logits are allowed a 1e-3 relative
    error against this reference) can disagree on which of two tokens is larger when their
    logits are this close. 1e-4 of the largest |logit| (logits here are O(10)) plus an absolute
    1e-5 floor for tiny logits."""
    return 1e-4 * float(np.max(np.abs(row))) + 1e-5


def top2_margin(row: np.ndarray) -> float:
    a, b = np.partition(row, -2)[-2:]
    return float(b - a)


def rel_err(ours: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(ours.astype(np.float64) - ref) / np.linalg.norm(ref.astype(np.float64)))
