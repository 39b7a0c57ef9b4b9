"""Random-weight MLX checkpoint of a full-size model, made and quantized by mlx-lm itself.

Same code path as tests/conformance/tiny_models.py (mlx_lm.models.<arch>.Model + ModelArgs from the
preset's config.json, cast to bf16, mlx_lm.utils.quantize_model, save_model, save_config), at the
preset's real size and quantization (its `quantization` block: 8-bit g64 for Qwen3-0.6B, 4-bit g64
for Llama-3.2-1B), with the real tokenizer copied in.

Weights: every Linear/Embedding weight ~ N(0, INIT_STD^2) drawn directly in bf16, norm weights 1.
Residual activations stay O(1..10) over 16-28 layers, logits std ~0.6: no overflow in any engine.

Run with <repo>/.venv/bin/python (mlx, mlx-lm): python make_mlx_model.py MODEL_NAME...
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import zlib
from pathlib import Path

import mlx.core as mx
from mlx.utils import tree_flatten, tree_unflatten
from mlx_lm.models import llama, qwen3
from mlx_lm.utils import quantize_model, save_config, save_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import BY_NAME, INIT_STD, SEED, is_complete, mark_complete  # noqa: E402

MODULES = {"llama": llama, "qwen3": qwen3}


def init_value(name: str, shape) -> mx.array:
    if name.endswith("norm.weight"):
        return mx.ones(shape, dtype=mx.bfloat16)
    key = mx.random.key((SEED * 1_000_003 + zlib.crc32(name.encode())) & 0xFFFFFFFF)
    return (INIT_STD * mx.random.normal(shape=shape, key=key, dtype=mx.float32)).astype(mx.bfloat16)


def build(spec) -> None:
    out = spec.mlx_dir
    if is_complete(out, "mlx"):
        print(f"[compare] {spec.name}: MLX checkpoint cached at {out}")
        return
    cfg = spec.config
    quant = cfg.pop("quantization")
    cfg.pop("quantization_config", None)
    module = MODULES[spec.arch]
    model = module.Model(module.ModelArgs.from_dict(cfg))
    # Replace the (lazy, never evaluated) default init, one tensor at a time.
    params = [(k, init_value(k, v.shape)) for k, v in tree_flatten(model.parameters())]
    model.update(tree_unflatten(params))
    mx.eval(model.parameters())
    with contextlib.redirect_stdout(io.StringIO()):
        model, cfg = quantize_model(model, cfg, quant["group_size"], quant["bits"])
    mx.eval(model.parameters())
    tmp = out.parent / (out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_model(tmp, model)
    save_config(cfg, config_path=tmp / "config.json")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(spec.tokenizer_dir / f, tmp / f)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    mark_complete(out, "mlx")
    size = sum(f.stat().st_size for f in out.glob("*.safetensors"))
    print(f"[compare] {spec.name}: wrote MLX checkpoint {out} ({size / 1e9:.3f} GB of safetensors)")


if __name__ == "__main__":
    mx.set_default_device(mx.cpu)
    for name in sys.argv[1:]:
        build(BY_NAME[name])
