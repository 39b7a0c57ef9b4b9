"""On the device (issue 13, "against torch"): vllm-cpp's CUDA logits vs transformers in float32 on the
same GPU, for a tiny MLX checkpoint (made by mlx-lm: tests/conformance/tiny_models.py) that this
script dequantizes itself (w = scale * code + bias per group, codes unpacked LSB-first from the
u32 words) into the transformers model. Independent of vllm-cpp's loader and kernels.

Two torch forwards, as the e2e tests' two oracles: exact f32, and f32 with every Linear's input
rounded to bf16 (forward pre-hooks), which is what the CUDA tensor-core path does to prompt rows
(affine and bf16 weights). Checks, per prompt:
  - prompt logits at every position, per row r(a, b) = max |a - b| / max |b|:
    r(ours, torch_bf16_operands) <= 1e-2 and r(ours, torch_f32) <= max(1e-2, r(bf16_operands,
    f32) + 1e-2): what remains after the shared bf16 roundings is f32 summation order;
  - 16 greedy tokens (decode rows: the f32 GEMV): torch, teacher-forced on our tokens, picks
    the same argmax wherever its top-2 margin exceeds 4x the row error bound.

usage: torch_compare.py VLLM_CPP_BIN MODEL_DIR [MODEL_DIR...]   (exit status 1 on a failure)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

GENERATED = 16
ROW_BOUND = 1e-2


def unpack_codes(words: torch.Tensor, bits: int, cols: int) -> torch.Tensor:
    """[rows, cols*bits/32] u32 -> [rows, cols] codes; element i sits at bit i*bits of the row."""
    w = words.view(torch.int32).to(torch.int64) & 0xFFFFFFFF
    w = torch.cat([w, torch.zeros_like(w[:, :1])], dim=1)  # a zero word past the end
    off = torch.arange(cols, device=w.device) * bits
    lo, hi = w[:, off // 32], w[:, off // 32 + 1]
    return (((lo | (hi << 32)) >> (off % 32)) & ((1 << bits) - 1)).to(torch.float64)


def load_dequantized(model_dir: Path, cfg: dict) -> dict:
    q = cfg.get("quantization") or cfg.get("quantization_config") or {}
    tensors = {}
    for f in sorted(model_dir.glob("*.safetensors")):
        tensors.update(load_file(str(f)))
    out = {}
    for name, t in tensors.items():
        if name.endswith((".scales", ".biases")):
            continue
        base = name[: -len(".weight")] if name.endswith(".weight") else None
        if base and base + ".scales" in tensors:
            bits = q.get(base, {}).get("bits", q["bits"]) if isinstance(q.get(base), dict) else q["bits"]
            gs = q.get(base, {}).get("group_size", q["group_size"]) if isinstance(q.get(base), dict) else q["group_size"]
            cols = t.shape[1] * 32 // bits
            codes = unpack_codes(t, bits, cols)
            s = tensors[base + ".scales"].to(torch.float64).repeat_interleave(gs, dim=1)
            b = tensors[base + ".biases"].to(torch.float64).repeat_interleave(gs, dim=1)
            out[name] = (s * codes + b).to(torch.float32)
        else:
            out[name] = t.to(torch.float32)
    return out


def torch_model(model_dir: Path):
    import transformers

    cfg = json.loads((model_dir / "config.json").read_text())
    weights = load_dequantized(model_dir, cfg)
    hf = {k: v for k, v in cfg.items() if k not in ("quantization", "quantization_config")}
    hf["torch_dtype"] = "float32"
    config = transformers.AutoConfig.for_model(**hf)
    config._attn_implementation = "eager"
    model = transformers.AutoModelForCausalLM.from_config(config, torch_dtype=torch.float32)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if not (m == "lm_head.weight" and config.tie_word_embeddings)]
    assert not missing and not unexpected, f"state dict mismatch: missing {missing}, unexpected {unexpected}"
    if config.tie_word_embeddings:
        model.tie_weights()
    return model.to("cuda").eval(), cfg


def bf16_operands(model, on: bool) -> list:
    """Rounds every Linear's input to bf16 while the returned hooks live."""
    if not on:
        return []
    hook = lambda _m, args: (args[0].to(torch.bfloat16).to(torch.float32),) + tuple(args[1:])  # noqa: E731
    return [m.register_forward_pre_hook(hook) for m in model.modules() if isinstance(m, torch.nn.Linear)]


def forward(model, ids: list, bf16: bool) -> np.ndarray:
    hooks = bf16_operands(model, bf16)
    try:
        with torch.no_grad():
            return model(torch.tensor([ids], device="cuda")).logits[0].double().cpu().numpy()
    finally:
        for h in hooks:
            h.remove()


def row_errors(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(ours - ref).max(axis=1) / np.abs(ref).max(axis=1)


def main() -> int:
    binary, dirs = sys.argv[1], [Path(d) for d in sys.argv[2:]]
    failures = 0
    for model_dir in dirs:
        model, cfg = torch_model(model_dir)
        vocab = cfg["vocab_size"]
        rng = np.random.default_rng(3)
        for n in (1, 9, 57, 200):
            ids = [int(x) for x in rng.integers(0, min(vocab, 150000), n)]
            with tempfile.TemporaryDirectory() as tmp:
                npy = Path(tmp) / "logits.npy"
                cmd = [binary, "generate", str(model_dir), "--device", os.environ.get("VLLM_CPP_DEVICE", "cuda"), "--prompt-ids", ",".join(map(str, ids)),
                       "--max-tokens", str(GENERATED), "--ignore-eos", "--json", "--temperature", "0",
                       "--kv-cache-dtype", "f32", "--dump-logits", str(npy),
                       "--dump-positions", ",".join(map(str, range(n)))]
                p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
                if p.returncode != 0:
                    print(f"FAIL {model_dir.name} n={n}: vllm-cpp exit {p.returncode}\n{p.stderr[-2000:]}")
                    failures += 1
                    continue
                ours = np.load(npy)
                gen = json.loads(p.stdout)["token_ids"]
            ref = forward(model, ids + gen, bf16=False)
            ref16 = forward(model, ids, bf16=True)
            ours64 = ours.astype(np.float64)
            err = row_errors(ours64, ref[:n])            # vs exact f32
            err16 = row_errors(ours64, ref16)            # vs the bf16-operand forward
            cost16 = row_errors(ref16, ref[:n])          # what bf16 operands alone cost
            worst, worst16, worst_cost = float(err.max()), float(err16.max()), float(cost16.max())
            rows_ok = bool(np.all(err16 <= ROW_BOUND) and np.all(err <= np.maximum(ROW_BOUND, cost16 + ROW_BOUND)))
            # Decode rows: our token j sits at position n + j; torch's prediction for it at n - 1 + j.
            checked = mismatched = 0
            for j, tok in enumerate(gen):
                row = ref[n - 1 + j]
                top2 = np.sort(row)[-2:]
                if top2[1] - top2[0] > 4 * ROW_BOUND * np.abs(row).max():
                    checked += 1
                    mismatched += int(np.argmax(row) != tok)
            ok = rows_ok and mismatched == 0
            failures += 0 if ok else 1
            print(f"{'ok  ' if ok else 'FAIL'} {model_dir.name:16s} prompt {n:3d}: vs f32 {worst:.3g}, vs bf16-operand "
                  f"torch {worst16:.3g} (bf16 operands alone {worst_cost:.3g}); greedy tokens checked "
                  f"{checked}/{len(gen)}, mismatched {mismatched}")
    print(f"torch comparison: {'PASS' if failures == 0 else f'{failures} FAILED'} "
          f"(transformers f32 on {torch.cuda.get_device_name(0)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
