"""llama / qwen2 / qwen3 GGUF files (tiny random models written with the `gguf` package as
llama.cpp's converter writes them: GGUF tensor names, llama's Q/K rows permuted for GGML's
interleaved RoPE, Q8_0 / Q4_0 / F16 weights quantized by gguf.quants) against an f32 numpy
forward over the same dequantized weights in Hugging Face layout: logits of every position
within 1e-3 and greedy continuations."""

from __future__ import annotations

import numpy as np
import pytest

import gguf
import gguf.quants
from harness import exact_gguf_env, numerics_args, run_cli, threads_args

Q = gguf.GGMLQuantizationType
H, I, NH, NKV, D, L, V = 64, 128, 4, 2, 16, 2, 320


def rms(x, w, eps=1e-6):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rope(x, pos, base):  # x [T, h, D], half-split pairs (HF layout)
    half = D // 2
    inv = (1.0 / base ** (np.arange(half, dtype=np.float64) * 2 / D)).astype(np.float32)
    ang = pos[:, None].astype(np.float32) * inv[None]
    c, s = np.cos(ang)[:, None], np.sin(ang)[:, None]
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * c - b * s, a * s + b * c], -1)


def reference(w, arch, ids):
    x = w["emb"][np.asarray(ids)]
    T = len(ids)
    pos = np.arange(T)
    mask = pos[None, :] <= pos[:, None]
    for i in range(L):
        g = lambda n: w[f"{i}.{n}"]
        h = rms(x, g("attn_norm"))
        q = (h @ g("q").T + (g("qb") if arch == "qwen2" else 0)).reshape(T, NH, D)
        k = (h @ g("k").T + (g("kb") if arch == "qwen2" else 0)).reshape(T, NKV, D)
        v = (h @ g("v").T + (g("vb") if arch == "qwen2" else 0)).reshape(T, NKV, D)
        if arch == "qwen3":
            q, k = rms(q, g("q_norm")), rms(k, g("k_norm"))
        q, k = rope(q, pos, 10000.0), rope(k, pos, 10000.0)
        out = np.empty((T, NH, D), np.float32)
        for hh in range(NH):
            s = q[:, hh] @ k[:, hh // (NH // NKV)].T / np.float32(np.sqrt(D))
            s = np.exp(np.where(mask, s, -np.inf) - np.where(mask, s, -np.inf).max(-1, keepdims=True))
            out[:, hh] = (s / s.sum(-1, keepdims=True)) @ v[:, hh // (NH // NKV)]
        x = x + out.reshape(T, NH * D) @ g("o").T
        h = rms(x, g("ffn_norm"))
        gate, up = h @ g("gate").T, h @ g("up").T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ g("down").T
    return rms(x, w["norm"]) @ w["emb"].T


def write_model(path, arch, qtype, rng):
    """Writes the GGUF and returns the dequantized HF-layout weights the reference uses."""
    wr = gguf.GGUFWriter(str(path), arch)
    wr.add_block_count(L); wr.add_context_length(512); wr.add_embedding_length(H)
    wr.add_feed_forward_length(I); wr.add_head_count(NH); wr.add_head_count_kv(NKV)
    wr.add_layer_norm_rms_eps(1e-6); wr.add_rope_freq_base(10000.0)
    if arch == "qwen3":
        wr.add_key_length(D); wr.add_value_length(D)
    ref = {}

    def mat(name, rows, cols, key, permute_heads=0):
        a = (rng.standard_normal((rows, cols)) / np.sqrt(cols)).astype(np.float32)
        if qtype == Q.F16:
            stored, deq = a.astype(np.float16), a.astype(np.float16).astype(np.float32)
        else:
            stored = gguf.quants.quantize(a, qtype)
            deq = gguf.quants.dequantize(stored, qtype).astype(np.float32)
        ref[key] = deq
        if permute_heads:  # llama.cpp's converter: rows (h, 2, D/2) -> (h, D/2, 2)
            stored = stored.reshape(permute_heads, 2, D // 2, -1).swapaxes(1, 2).reshape(rows, -1)
        wr.add_tensor(name, stored, raw_dtype=None if qtype == Q.F16 else qtype)

    def vec(name, n, key, scale=0.2, base=1.0):
        a = (base + rng.standard_normal(n) * scale).astype(np.float32)
        ref[key] = a
        wr.add_tensor(name, a)

    ref["emb"] = None
    mat("token_embd.weight", V, H, "emb")
    vec("output_norm.weight", H, "norm")
    for i in range(L):
        p = f"blk.{i}."
        perm = arch == "llama"
        mat(p + "attn_q.weight", NH * D, H, f"{i}.q", NH if perm else 0)
        mat(p + "attn_k.weight", NKV * D, H, f"{i}.k", NKV if perm else 0)
        mat(p + "attn_v.weight", NKV * D, H, f"{i}.v")
        mat(p + "attn_output.weight", H, NH * D, f"{i}.o")
        mat(p + "ffn_gate.weight", I, H, f"{i}.gate")
        mat(p + "ffn_up.weight", I, H, f"{i}.up")
        mat(p + "ffn_down.weight", H, I, f"{i}.down")
        vec(p + "attn_norm.weight", H, f"{i}.attn_norm")
        vec(p + "ffn_norm.weight", H, f"{i}.ffn_norm")
        if arch == "qwen2":
            for n, rows in (("q", NH * D), ("k", NKV * D), ("v", NKV * D)):
                vec(p + f"attn_{n}.bias", rows, f"{i}.{n}b", scale=0.5, base=0.0)
        if arch == "qwen3":
            vec(p + "attn_q_norm.weight", D, f"{i}.q_norm")
            vec(p + "attn_k_norm.weight", D, f"{i}.k_norm")
    wr.write_header_to_file(); wr.write_kv_data_to_file(); wr.write_tensors_to_file(); wr.close()
    return ref


@pytest.mark.parametrize("arch,qtype", [("llama", Q.Q8_0), ("llama", Q.Q4_0), ("qwen2", Q.Q8_0),
                                        ("qwen3", Q.F16), ("qwen3", Q.Q5_0)], ids=lambda v: getattr(v, "name", v))
def test_llama_family_gguf(vllm_bin, tmp_path, arch, qtype):
    rng = np.random.default_rng(hash((arch, int(qtype))) % 2**32)
    path = tmp_path / f"{arch}.gguf"
    w = write_model(path, arch, qtype, rng)
    ids = rng.integers(0, V, size=37).tolist()
    want = reference(w, arch, ids)
    out = tmp_path / "l.npy"
    positions = list(range(len(ids)))
    r = run_cli(vllm_bin, ["generate", path, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", "1",
                           "--dump-logits", out, "--dump-positions", ",".join(map(str, positions)),
                           *threads_args(), *numerics_args()], env=exact_gguf_env())
    assert r.returncode == 0, r.describe()
    got = np.load(out)
    for p in positions:
        rel = np.linalg.norm(got[p] - want[p]) / np.linalg.norm(want[p])
        assert rel <= 1e-3, f"{arch} {qtype.name} position {p}: relative error {rel:.2e}"
    if arch == "llama":  # the Q/K un-permutation matters: a reference on the permuted rows differs
        wp = dict(w)
        for i in range(L):
            for n, h in (("q", NH), ("k", NKV)):
                wp[f"{i}.{n}"] = w[f"{i}.{n}"].reshape(h, 2, D // 2, -1).swapaxes(1, 2).reshape(h * D, -1)
        assert np.abs(reference(wp, arch, ids)[-1] - want[-1]).max() > 1e-2
