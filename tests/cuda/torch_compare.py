"""On the device (issue 13, "against torch"): vllm-cpp's CUDA logits vs transformers in float32 on the
same GPU, for a tiny MLX checkpoint (made by mlx-lm: tests/conformance/tiny_models.py) that this
script dequantizes itself (w = scale * code + bias per group, codes unpacked LSB-first from the
u32 words) into the transformers model. Independent of vllm-cpp's loader and kernels.

Checks, per prompt:
  - prompt logits at every position: max |ours - torch| / max |torch| per row <= 1e-2 (the
    bf16-operand bound of the CUDA tensor-core path, as in the e2e tests);
  - 16 greedy tokens (decode rows: the f32 GEMV): torch, teacher-forced on our tokens, picks
    the same argmax wherever its top-2 margin exceeds 4x the row error bound.

usage: torch_compare.py VLLM_CPP_BIN MODEL_DIR [MODEL_DIR...]   (exit status 1 on a failure)
"""

from __future__ import annotations

import json
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
                cmd = [binary, "generate", str(model_dir), "--device", "cuda", "--prompt-ids", ",".join(map(str, ids)),
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
            with torch.no_grad():
                full = torch.tensor([ids + gen], device="cuda")
                ref = model(full).logits[0].double().cpu().numpy()
            errs = row_errors(ours.astype(np.float64), ref[:n])
            worst = float(errs.max())
            # Decode rows: our token j sits at position n + j; torch's prediction for it at n - 1 + j.
            checked = mismatched = 0
            for j, tok in enumerate(gen):
                row = ref[n - 1 + j]
                top2 = np.sort(row)[-2:]
                if top2[1] - top2[0] > 4 * ROW_BOUND * np.abs(row).max():
                    checked += 1
                    mismatched += int(np.argmax(row) != tok)
            ok = worst <= ROW_BOUND and mismatched == 0
            failures += 0 if ok else 1
            print(f"{'ok  ' if ok else 'FAIL'} {model_dir.name:24s} prompt {n:3d}: max row rel err {worst:.3g} "
                  f"(bound {ROW_BOUND}), greedy tokens checked {checked}/{len(gen)}, mismatched {mismatched}")
    print(f"torch comparison: {'PASS' if failures == 0 else f'{failures} FAILED'} "
          f"(transformers f32 on {torch.cuda.get_device_name(0)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
