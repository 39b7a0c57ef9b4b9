"""Tiny random nemotron_h checkpoints made by mlx-lm itself (mlx_lm.models.nemotron_h), saved the
way `mlx_lm.convert` saves them (cast honouring the model's cast_predicate: A_log and
e_score_correction_bias stay float32; quantize_model: the router `mixer.gate` is a bare weight
and never quantized, nor are conv1d / A_log / D / dt_bias / norms). MOE_HYBRID.md §8 has the
recipe (../shared/moe_hybrid_tiny.py).

Shape: hidden 64, pattern "ME*EM-" (every layer kind, a dense relu2 `-` layer included), Mamba2
8 heads x 16 (I = 128), 2 B/C groups, state 16, conv kernel 4 (conv_dim 192, in_proj 328 wide);
8 routed relu2 experts top-2 of 64, a shared expert of 128, routed scaling 2.5; attention 4/2
heads of 16, no RoPE. Vocabulary 512 (nemotron has no offline tokenizer: prompts are token ids;
the Qwen tokenizer files are copied in so `serve` can run, ids < 512 being byte-level tokens).
A second pattern ("M*MEM-E", spelled as `layers_block_type`) checks the other config spelling
and a layer order with two Mamba layers in a row.

Weights (z ~ N(0, 1), key from the seed and the tensor name): Linear / stacked experts
(g / sqrt(in)) z, g = 2 for out/o/down/fc2 projections; norms 1 + 0.15 z (final norm 1.3 +
0.15 z: decisive greedy runs); A_log = log(0.6 + U) (A in [-1.6, -0.6]); dt_bias -1.5 + 0.5 z;
D 1 + 0.2 z; correction bias 0.1 z (changes about half the expert sets); conv weight 0.5 z,
conv bias 0.1 z; embeddings / lm_head 0.25 z.

Cached in <repo>/build/tiny_hybrid_models/<key>/<variant>/ (key hashes this file and the mlx
versions; VLLM_CPP_TINY_MODELS_DIR/hybrid overrides the root).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import mlx.core as mx
import mlx_lm
from mlx.utils import tree_flatten, tree_unflatten
from mlx_lm.models import nemotron_h

import tiny_moe_models
from tiny_models import REPO_ROOT
from tiny_moe_models import save_like_convert

CONFIG = dict(
    architectures=["NemotronHForCausalLM"], model_type="nemotron_h", hidden_size=64, vocab_size=512,
    tie_word_embeddings=False, hybrid_override_pattern="ME*EM-", num_attention_heads=4,
    num_key_value_heads=2, head_dim=16, attention_bias=False, max_position_embeddings=4096,
    rope_theta=10000, partial_rotary_factor=1.0, mamba_num_heads=8, mamba_head_dim=16,
    ssm_state_size=16, n_groups=2, conv_kernel=4, chunk_size=128, expand=2, mamba_hidden_act="silu",
    mamba_proj_bias=False, use_bias=False, use_conv_bias=True, time_step_min=0.001,
    time_step_max=0.1, time_step_floor=1e-4, n_routed_experts=8, num_experts_per_tok=2,
    moe_intermediate_size=64, n_shared_experts=1, moe_shared_expert_intermediate_size=128,
    routed_scaling_factor=2.5, norm_topk_prob=True, n_group=1, topk_group=1, intermediate_size=128,
    mlp_hidden_act="relu2", mlp_bias=False, layer_norm_epsilon=1e-5, norm_eps=1e-5,
    residual_in_fp32=False, bos_token_id=1, eos_token_id=2, pad_token_id=0)
BLOCK_TYPES = ["mamba", "attention", "mamba", "moe", "mamba", "mlp", "moe"]
SEED = 6006


@dataclass(frozen=True)
class Variant:
    dtype: str
    bits: Optional[int] = None
    group_size: int = 64
    block_types: bool = False  # the second pattern, spelled as layers_block_type

    @property
    def name(self) -> str:
        base = "nemotron_h-" + ({"float32": "f32", "bfloat16": "bf16"}[self.dtype] if self.bits is None
                                else f"q{self.bits}g{self.group_size}")
        return base + ("-blocktypes" if self.block_types else "")

    def config(self) -> dict:
        cfg = dict(CONFIG, torch_dtype=self.dtype)
        if self.block_types:
            del cfg["hybrid_override_pattern"]
            cfg["layers_block_type"] = BLOCK_TYPES
        return cfg


VARIANTS = [
    Variant("float32"),
    Variant("bfloat16"),
    Variant("bfloat16", 4),
    Variant("bfloat16", 6),
    Variant("bfloat16", 8),
    Variant("bfloat16", 6, block_types=True),
]
VARIANTS_BY_NAME = {v.name: v for v in VARIANTS}


def _init_value(name: str, shape, seed: int) -> mx.array:
    key = mx.random.key((seed * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF)
    z = mx.random.normal(shape=shape, key=key, dtype=mx.float32)
    if name == "backbone.norm_f.weight":
        return 1.3 + 0.15 * z
    if name.endswith("norm.weight"):
        return 1.0 + 0.15 * z
    if name.endswith("A_log"):
        return mx.log(0.6 + mx.random.uniform(shape=shape, key=key))
    if name.endswith("dt_bias"):
        return -1.5 + 0.5 * z
    if name.endswith(".D"):
        return 1.0 + 0.2 * z
    if name.endswith("e_score_correction_bias"):
        return 0.1 * z
    if name.endswith("conv1d.weight"):
        return 0.5 * z
    if name.endswith(".bias"):
        return 0.1 * z
    if "embeddings" in name or name.startswith("lm_head"):
        return 0.25 * z
    gain = 2.0 if any(k in name for k in ("o_proj", "down_proj", "out_proj", "fc2")) else 1.0
    return (gain / shape[-1] ** 0.5) * z


def build_float_model(variant: Variant):
    model = nemotron_h.Model(nemotron_h.ModelArgs.from_dict(variant.config()))
    model.update(tree_unflatten([(k, _init_value(k, v.shape, SEED)) for k, v in tree_flatten(model.parameters())]))
    mx.eval(model.parameters())
    return model


def save_variant(variant: Variant, out_dir: Path) -> None:
    float_model = build_float_model(variant)
    cfg = variant.config()
    model = nemotron_h.Model(nemotron_h.ModelArgs.from_dict(cfg))
    model.update(float_model.parameters())
    save_like_convert(model, cfg, variant, out_dir)


def cache_key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(Path(tiny_moe_models.__file__).read_bytes())  # save_like_convert lives there
    h.update(f"mlx={mx.__version__} mlx_lm={mlx_lm.__version__}".encode())
    return h.hexdigest()[:12]


class ModelCache:
    """Builds variants on demand into root/<cache_key>/<variant>, at most once per key."""

    def __init__(self, root: Optional[Path] = None):
        env = os.environ.get("VLLM_CPP_TINY_MODELS_DIR")
        root = root or (Path(env) / "hybrid" if env else REPO_ROOT / "build" / "tiny_hybrid_models")
        self.dir = root / cache_key()
        if not self.dir.exists():
            if root.exists():  # drop stale builds made by other versions of this file
                for old in root.iterdir():
                    if old.is_dir() and (old / ".tiny_hybrid_models").exists():
                        shutil.rmtree(old, ignore_errors=True)
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / ".tiny_hybrid_models").write_text("cache of tests/conformance/tiny_hybrid_models.py\n")

    def path(self, variant: Variant | str) -> Path:
        if isinstance(variant, str):
            variant = VARIANTS_BY_NAME[variant]
        out = self.dir / variant.name
        if (out / ".complete").exists():
            return out
        tmp = self.dir / f".tmp-{variant.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        save_variant(variant, tmp)
        (tmp / ".complete").write_text("")
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
        return out


if __name__ == "__main__":  # build everything: python tests/conformance/tiny_hybrid_models.py
    cache = ModelCache()
    for v in VARIANTS:
        p = cache.path(v)
        print(f"{v.name:32s} {sum(f.stat().st_size for f in p.iterdir()) / 1e6:8.2f} MB  {p}")
