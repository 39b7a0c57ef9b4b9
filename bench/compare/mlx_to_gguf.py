"""GGUF of the SAME weights as an MLX affine-quantized checkpoint, written with the `gguf` package.

MLX weights are dequantized (w = scale * q + bias per group, MLX_FORMAT.md A1-A3) in numpy, then
re-quantized with gguf's numpy quantizers (Q8_0 for the 8-bit model, Q4_0 for the 4-bit one, norms F32).
Tensor names come from gguf's own name map for the architecture; Llama q/k rows are permuted from
the HF "rotate_half" layout to the interleaved-pair layout llama.cpp's LLAMA rope expects (Qwen3 uses
NEOX rope, no permutation); Llama-3 rope scaling is written as the `rope_freqs` tensor. The tokenizer
metadata (gpt2 BPE tokens, types, merges, special ids, pre-tokenizer name) comes from the same
tokenizer.json the MLX checkpoint carries.

Run with build/compare/venv/bin/python (numpy, gguf): python mlx_to_gguf.py MODEL_NAME...
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import gguf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import BY_NAME, is_complete, mark_complete  # noqa: E402

GGUF_ARCH = {"qwen3": gguf.MODEL_ARCH.QWEN3, "llama": gguf.MODEL_ARCH.LLAMA}
TOKENIZER_PRE = {"qwen3": "qwen2", "llama": "llama-bpe"}
FILE_TYPE = {"Q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "Q4_0": gguf.LlamaFileType.MOSTLY_Q4_0}
ROWS_PER_CHUNK = 4096  # bounds the f32 scratch of dequantize + quantize (embedding: 150k rows)


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """name -> array view over the mmapped file (BF16 stays uint16 bits; numpy has no bf16)."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    n = int(raw[:8].view(np.uint64)[0])
    header = json.loads(bytes(raw[8:8 + n]))
    dtypes = {"U32": np.uint32, "BF16": np.uint16, "F16": np.float16, "F32": np.float32}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = raw[8 + n + a:8 + n + b].view(dtypes[info["dtype"]]).reshape(info["shape"])
        out[name] = (arr, info["dtype"])
    return out


def to_f32(arr: np.ndarray, dtype: str) -> np.ndarray:
    if dtype == "BF16":
        return (arr.astype(np.uint32) << 16).view(np.float32)
    return arr.astype(np.float32)


def unpack_codes(words: np.ndarray, bits: int) -> np.ndarray:
    """uint32 [rows, in*bits/32] -> uint8 codes [rows, in]; LSB-first bit stream per row (A2)."""
    b = np.ascontiguousarray(words).view(np.uint8)
    if bits == 8:
        return b
    if bits in (2, 4):
        per = 8 // bits
        mask = (1 << bits) - 1
        return np.stack([(b >> (bits * i)) & mask for i in range(per)], axis=-1).reshape(b.shape[0], -1)
    stream = np.unpackbits(b, axis=-1, bitorder="little").reshape(b.shape[0], -1, bits)
    return (stream.astype(np.uint16) << np.arange(bits, dtype=np.uint16)).sum(-1).astype(np.uint8)


def dequantize_rows(t: dict, base: str, lo: int, hi: int, bits: int, group: int) -> np.ndarray:
    w, _ = t[base + ".weight"]
    s, sdt = t[base + ".scales"]
    z, zdt = t[base + ".biases"]
    q = unpack_codes(w[lo:hi], bits).astype(np.float32)
    rows = hi - lo
    q = q.reshape(rows, -1, group)
    out = q * to_f32(s[lo:hi], sdt)[..., None] + to_f32(z[lo:hi], zdt)[..., None]
    return out.reshape(rows, -1)


def llama_qk_permute(w: np.ndarray, n_head: int) -> np.ndarray:
    # HF rotate_half pairs (i, i + d/2) within each head -> llama.cpp's interleaved (2i, 2i+1).
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_factors(cfg: dict) -> np.ndarray | None:
    rs = cfg.get("rope_scaling") or {}
    if rs.get("rope_type") != "llama3":
        return None
    dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    freqs = 1.0 / (cfg["rope_theta"] ** (np.arange(0, dim, 2, dtype=np.float64) / dim))
    old = rs["original_max_position_embeddings"]
    low_wl, high_wl = old / rs["low_freq_factor"], old / rs["high_freq_factor"]
    out = []
    for f in freqs:
        wl = 2 * math.pi / f
        if wl < high_wl:
            out.append(1.0)
        elif wl > low_wl:
            out.append(rs["factor"])
        else:
            smooth = (old / wl - rs["low_freq_factor"]) / (rs["high_freq_factor"] - rs["low_freq_factor"])
            out.append(1.0 / ((1 - smooth) / rs["factor"] + smooth))
    return np.asarray(out, dtype=np.float32)


def add_tokenizer(w: gguf.GGUFWriter, spec, tok_dir: Path, n_vocab: int) -> None:
    tj = json.loads((tok_dir / "tokenizer.json").read_text())
    tokens: list[str | None] = [None] * n_vocab
    types = [gguf.TokenType.UNUSED] * n_vocab
    for text, i in tj["model"]["vocab"].items():
        if i < n_vocab:
            tokens[i], types[i] = text, gguf.TokenType.NORMAL
    for at in tj.get("added_tokens", []):
        i = at["id"]
        if i < n_vocab:
            tokens[i] = at["content"]
            types[i] = gguf.TokenType.CONTROL if at.get("special") else gguf.TokenType.USER_DEFINED
    for i, t in enumerate(tokens):
        if t is None:  # config vocab_size pads past the tokenizer (Qwen3: 151669 -> 151936)
            tokens[i] = f"[PAD{i}]"
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(TOKENIZER_PRE[spec.arch])
    w.add_token_list(tokens)
    w.add_token_types(types)
    gguf.SpecialVocab(tok_dir, load_merges=True, n_vocab=n_vocab).add_to_gguf(w, quiet=True)


def convert(spec) -> None:
    out = spec.gguf_path
    if is_complete(out, "gguf"):
        print(f"[compare] {spec.name}: GGUF cached at {out}")
        return
    src = spec.mlx_dir
    cfg = json.loads((src / "config.json").read_text())
    quant = cfg["quantization"]
    bits, group = quant["bits"], quant["group_size"]
    qtype = gguf.GGMLQuantizationType[spec.gguf_type]
    t = {}
    for f in sorted(src.glob("*.safetensors")):
        t.update(read_safetensors(f))
    n_layers = cfg["num_hidden_layers"]
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    arch = GGUF_ARCH[spec.arch]
    names = gguf.get_tensor_name_map(arch, n_layers)

    tmp = out.with_suffix(".gguf.tmp")
    w = gguf.GGUFWriter(tmp, gguf.MODEL_ARCH_NAMES[arch])
    w.add_name(f"{spec.name} (random weights, vllm-cpp bench/compare)")
    w.add_context_length(cfg["max_position_embeddings"])
    w.add_embedding_length(cfg["hidden_size"])
    w.add_block_count(n_layers)
    w.add_feed_forward_length(cfg["intermediate_size"])
    w.add_head_count(cfg["num_attention_heads"])
    w.add_head_count_kv(cfg["num_key_value_heads"])
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_rope_dimension_count(head_dim)
    w.add_rope_freq_base(float(cfg["rope_theta"]))
    w.add_layer_norm_rms_eps(float(cfg["rms_norm_eps"]))
    w.add_vocab_size(cfg["vocab_size"])
    w.add_file_type(FILE_TYPE[spec.gguf_type])
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    add_tokenizer(w, spec, src, cfg["vocab_size"])

    factors = llama3_rope_factors(cfg)
    if factors is not None:
        w.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight", factors)

    bases = sorted({k.rsplit(".", 1)[0] for k in t})
    for base in bases:
        gname = names.get_name(base)
        if gname is None:
            raise SystemExit(f"no GGUF name for MLX tensor {base}")
        if base + ".scales" in t:
            rows = t[base + ".weight"][0].shape[0]
            chunks = []
            for lo in range(0, rows, ROWS_PER_CHUNK):
                hi = min(rows, lo + ROWS_PER_CHUNK)
                chunks.append(dequantize_rows(t, base, lo, hi, bits, group))
            f32 = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
            if spec.arch == "llama" and base.endswith(("q_proj", "k_proj")):
                n_head = cfg["num_attention_heads"] if base.endswith("q_proj") else cfg["num_key_value_heads"]
                f32 = llama_qk_permute(f32, n_head)
            data = np.concatenate([gguf.quants.quantize(f32[lo:lo + ROWS_PER_CHUNK], qtype)
                                   for lo in range(0, f32.shape[0], ROWS_PER_CHUNK)])
            del f32, chunks
            w.add_tensor(gname + ".weight", data, raw_dtype=qtype)
        else:  # norm weights (1-D): F32 as llama.cpp's converters write them
            arr, dt = t[base + ".weight"]
            w.add_tensor(gname + ".weight", np.ascontiguousarray(to_f32(np.asarray(arr), dt)))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    tmp.rename(out)
    mark_complete(out, "gguf")
    print(f"[compare] {spec.name}: wrote {out} ({out.stat().st_size / 1e9:.3f} GB, {spec.gguf_type})")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        convert(BY_NAME[name])
