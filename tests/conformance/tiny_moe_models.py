"""Tiny random qwen3_moe checkpoints made by mlx-lm itself (mlx_lm.models.qwen3_moe), saved the
way `mlx_lm.convert` saves them (cast honouring the model's cast_predicate, quantize_model honouring
its quant_predicate: the router `mlp.gate` gets the 8-bit override), with the real Qwen vocabulary
and tokenizer, as tiny_models.py does for the dense families (its docstring explains the weight
scaling; MOE_HYBRID.md §8 the recipe).

Shape: hidden 128 (so group size 128 quantizes every Linear), 3 layers with layer 1 dense
(`mlp_only_layers=[1]`: both MLP kinds in one model), 8 experts, top-3, moe_intermediate 128,
dense intermediate 256, GQA 4/2 heads of 32.

Weights (z ~ N(0, 1), key from the seed and the tensor name): Linear and stacked experts
[E, out, in] (g / sqrt(in)) z with g = 2 for o_proj/down_proj; the router `mlp.gate` 2.5 z /
sqrt(in) (peaked, decisive expert choices: a near tie between the k-th and (k+1)-th expert
would make f32 noise pick different experts); norms 1 + 0.15 z, q/k_norm 1.7 + 0.2 z, final
norm 1.2 + 0.15 z; embed/lm_head 0.25 z.

Cached in <repo>/build/tiny_moe_models/<key>/<variant>/ (key hashes this file and the mlx
versions; VLLM_CPP_TINY_MODELS_DIR/moe overrides the root).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import mlx.core as mx
import mlx_lm
from mlx.utils import tree_flatten, tree_map_with_path, tree_unflatten
from mlx_lm.models import qwen3_moe
from mlx_lm.utils import quantize_model, save_config, save_model

from tiny_models import REPO_ROOT, TOKENIZER_DIRS

CONFIG = dict(
    architectures=["Qwen3MoeForCausalLM"], model_type="qwen3_moe", hidden_size=128,
    intermediate_size=256, moe_intermediate_size=128, num_hidden_layers=3, num_attention_heads=4,
    num_key_value_heads=2, head_dim=32, num_experts=8, num_experts_per_tok=3, norm_topk_prob=True,
    decoder_sparse_step=1, mlp_only_layers=[1], vocab_size=151936, rms_norm_eps=1e-6,
    rope_theta=1000000.0, rope_scaling=None, max_position_embeddings=40960,
    tie_word_embeddings=False, attention_bias=False, use_sliding_window=False, sliding_window=None,
    max_window_layers=3, bos_token_id=151643, eos_token_id=151645)
SEED = 5005


@dataclass(frozen=True)
class Variant:
    dtype: str
    bits: Optional[int] = None
    group_size: Optional[int] = None
    core = True  # every prompt of test_model_conformance runs on every variant

    @property
    def name(self) -> str:
        if self.bits is None:
            return "qwen3_moe-" + {"float32": "f32", "bfloat16": "bf16"}[self.dtype]
        return f"qwen3_moe-q{self.bits}g{self.group_size}"


VARIANTS = [
    Variant("float32"),
    Variant("bfloat16"),
    Variant("bfloat16", 4, 64),
    Variant("bfloat16", 8, 64),
    Variant("bfloat16", 4, 32),
    Variant("bfloat16", 8, 128),
    Variant("bfloat16", 6, 128),
]
VARIANTS_BY_NAME = {v.name: v for v in VARIANTS}


def _init_value(name: str, shape, seed: int) -> mx.array:
    key = mx.random.key((seed * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF)
    z = mx.random.normal(shape=shape, key=key, dtype=mx.float32)
    if name.endswith("norm.weight"):
        if name == "model.norm.weight":
            return 1.2 + 0.15 * z
        if name.endswith(("q_norm.weight", "k_norm.weight")):
            return 1.7 + 0.2 * z
        return 1.0 + 0.15 * z
    if name in ("model.embed_tokens.weight", "lm_head.weight"):
        return 0.25 * z
    if name.endswith("mlp.gate.weight"):
        return (2.5 / shape[-1] ** 0.5) * z
    gain = 2.0 if ("o_proj" in name or "down_proj" in name) else 1.0
    return (gain / shape[-1] ** 0.5) * z  # Linear [out, in] and stacked experts [E, out, in]


def build_float_model():
    model = qwen3_moe.Model(qwen3_moe.ModelArgs.from_dict(CONFIG))
    model.update(tree_unflatten([(k, _init_value(k, v.shape, SEED)) for k, v in tree_flatten(model.parameters())]))
    mx.eval(model.parameters())
    return model


def save_variant(variant: Variant, float_model, out_dir: Path) -> None:
    cfg = dict(CONFIG, torch_dtype=variant.dtype)
    model = qwen3_moe.Model(qwen3_moe.ModelArgs.from_dict(cfg))
    model.update(float_model.parameters())
    save_like_convert(model, cfg, variant, out_dir)


def save_like_convert(model, cfg: dict, variant, out_dir: Path) -> None:
    """Casts `model` to variant.dtype (honouring its cast_predicate), quantizes it to
    variant.bits / group_size and saves it with `cfg` as mlx_lm.convert does, then copies the
    Qwen tokenizer files (also used by tiny_hybrid_models)."""
    cast, dt = getattr(model, "cast_predicate", lambda _: True), getattr(mx, variant.dtype)
    model.update(tree_map_with_path(
        lambda k, v: v.astype(dt) if cast(k) and mx.issubdtype(v.dtype, mx.floating) else v, model.parameters()))
    if variant.bits is not None:
        with contextlib.redirect_stdout(io.StringIO()):
            model, cfg = quantize_model(model, cfg, variant.group_size, variant.bits)
    mx.eval(model.parameters())
    out_dir.mkdir(parents=True)
    save_model(out_dir, model)
    save_config(cfg, config_path=out_dir / "config.json")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER_DIRS["qwen"] / f, out_dir / f)


def cache_key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"mlx={mx.__version__} mlx_lm={mlx_lm.__version__}".encode())
    return h.hexdigest()[:12]


class ModelCache:
    """Builds variants on demand into root/<cache_key>/<variant>, at most once per key."""

    def __init__(self, root: Optional[Path] = None):
        env = os.environ.get("VLLM_CPP_TINY_MODELS_DIR")
        root = root or (Path(env) / "moe" if env else REPO_ROOT / "build" / "tiny_moe_models")
        self.dir = root / cache_key()
        self._float = None
        if not self.dir.exists():
            if root.exists():  # drop stale builds made by other versions of this file
                for old in root.iterdir():
                    if old.is_dir() and (old / ".tiny_moe_models").exists():
                        shutil.rmtree(old, ignore_errors=True)
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / ".tiny_moe_models").write_text("cache of tests/conformance/tiny_moe_models.py\n")

    def path(self, variant: Variant | str) -> Path:
        if isinstance(variant, str):
            variant = VARIANTS_BY_NAME[variant]
        out = self.dir / variant.name
        if (out / ".complete").exists():
            return out
        if self._float is None:
            self._float = build_float_model()
        tmp = self.dir / f".tmp-{variant.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        save_variant(variant, self._float, tmp)
        (tmp / ".complete").write_text("")
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
        return out


if __name__ == "__main__":  # build everything: python tests/conformance/tiny_moe_models.py
    cache = ModelCache()
    for v in VARIANTS:
        p = cache.path(v)
        print(f"{v.name:24s} {sum(f.stat().st_size for f in p.iterdir()) / 1e6:8.1f} MB  {p}")
