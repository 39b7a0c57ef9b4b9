"""Shared by the client tests: f32 tiny models served with an f32 KV cache (so the server's
numbers can be held to the float32 reference), and the reference itself."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

import tiny_models  # tests/conformance, on sys.path through api_helpers

F32_VARIANT = "qwen3-f32-tied"


def model_path(variant: str = F32_VARIANT) -> Path:
    return tiny_models.ModelCache().path(variant)


@lru_cache(maxsize=4)
def reference_model(variant: str = F32_VARIANT):
    import mlx_reference
    model, _ = mlx_reference.load_f32(model_path(variant))
    return model


def reference_logprobs(token_ids: list[int], variant: str = F32_VARIANT) -> np.ndarray:
    """Teacher-forced log_softmax over the vocabulary at every prompt position, float64
    ([len(token_ids), vocab]; row p predicts token p + 1), from mlx-lm's forward pass."""
    import mlx_reference
    logits = mlx_reference.prefill_logits_nocache(reference_model(variant), token_ids,
                                                  list(range(len(token_ids)))).astype(np.float64)
    m = logits.max(axis=1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))


def prompt_token_logprobs(token_ids: list[int], variant: str = F32_VARIANT) -> list[float]:
    """log p(token_{p+1} | tokens_<=p) for p = 0..P-2."""
    lp = reference_logprobs(token_ids, variant)
    return [float(lp[p, token_ids[p + 1]]) for p in range(len(token_ids) - 1)]
