"""Tiny random Gemma 3 (Gemma3ForCausalLM) safetensors checkpoints, configs written by
transformers' Gemma3TextConfig and weights by numpy (no torch), against the numpy f32
reference forward (gemma_reference.py): logits over every position of prompts longer than
the sliding window, relative error <= 1e-3, and greedy continuations. Variants: bf16 weights,
7 layers (one global among local ones, then local again), a query_pre_attn_scalar other than head_dim, GQA."""

from __future__ import annotations

import json

import numpy as np
import pytest
from safetensors.numpy import save_file

from gemma_reference import GemmaReference
from harness import numerics_args, run_cli, threads_args

VARIANTS = {
    "gqa-f32": dict(num_attention_heads=4, num_key_value_heads=2, query_pre_attn_scalar=24, layers=7, bf16=False),
    "mha-bf16": dict(num_attention_heads=2, num_key_value_heads=2, query_pre_attn_scalar=32, layers=6, bf16=True),
}


def make_model(path, v, seed=0):
    from transformers import Gemma3TextConfig
    cfg = Gemma3TextConfig(vocab_size=512, hidden_size=64, intermediate_size=96, num_hidden_layers=v["layers"],
                           num_attention_heads=v["num_attention_heads"], num_key_value_heads=v["num_key_value_heads"],
                           head_dim=32, sliding_window=8, query_pre_attn_scalar=v["query_pre_attn_scalar"],
                           max_position_embeddings=256)
    d = cfg.to_dict()
    d["architectures"] = ["Gemma3ForCausalLM"]
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(d))
    rng = np.random.default_rng(seed)
    H, I, D = 64, 96, 32
    nH, nKV = v["num_attention_heads"], v["num_key_value_heads"]
    w = {"model.embed_tokens.weight": rng.standard_normal((512, H)) * 0.5,
         "model.norm.weight": rng.standard_normal(H) * 0.1}
    for i in range(v["layers"]):
        p = f"model.layers.{i}."
        for name, shape in [("self_attn.q_proj", (nH * D, H)), ("self_attn.k_proj", (nKV * D, H)),
                            ("self_attn.v_proj", (nKV * D, H)), ("self_attn.o_proj", (H, nH * D)),
                            ("mlp.gate_proj", (I, H)), ("mlp.up_proj", (I, H)), ("mlp.down_proj", (H, I))]:
            w[p + name + ".weight"] = rng.standard_normal(shape) / np.sqrt(shape[1])
        for name, n in [("self_attn.q_norm", D), ("self_attn.k_norm", D), ("input_layernorm", H),
                        ("post_attention_layernorm", H), ("pre_feedforward_layernorm", H),
                        ("post_feedforward_layernorm", H)]:
            w[p + name + ".weight"] = rng.standard_normal(n) * 0.2
    if v["bf16"]:
        # bf16 as stored: round to nearest even, keep the top 16 bits (uint16 view for numpy).
        def bf16(a):
            u = np.ascontiguousarray(a, np.float32).view(np.uint32)
            return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
        tensors = {k: bf16(a) for k, a in w.items()}
        write_bf16_safetensors(path / "model.safetensors", tensors)
    else:
        save_file({k: a.astype(np.float32) for k, a in w.items()}, str(path / "model.safetensors"))
    return path


def write_bf16_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for k, a in tensors.items():
        b = a.tobytes()
        header[k] = {"dtype": "BF16", "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_tiny_gemma3_logits_and_greedy(vllm_bin, tmp_path, name):
    v = VARIANTS[name]
    d = make_model(tmp_path / name, v, seed=len(name))
    if v["bf16"]:
        # The reference reads f32; give it the bf16 values widened (what vllm-cpp computes with).
        raw = (d / "model.safetensors").read_bytes()
        n = int.from_bytes(raw[:8], "little")
        hdr = json.loads(raw[8:8 + n])
        f32 = {}
        for k, meta in hdr.items():
            a, b = meta["data_offsets"]
            u = np.frombuffer(raw[8 + n + a:8 + n + b], np.uint16).astype(np.uint32) << 16
            f32[k] = u.view(np.float32).reshape(meta["shape"])
        ref_dir = tmp_path / (name + "-ref")
        ref_dir.mkdir()
        (ref_dir / "config.json").write_text((d / "config.json").read_text())
        save_file(f32, str(ref_dir / "model.safetensors"))
        ref = GemmaReference.from_hf(ref_dir)
    else:
        ref = GemmaReference.from_hf(d)
    rng = np.random.default_rng(3)
    ids = [2] + rng.integers(3, 512, size=40).tolist()  # 41 positions: 5x the window of 8
    positions = list(range(len(ids)))
    want = ref.logits(ids, positions)
    out = tmp_path / "l.npy"
    r = run_cli(vllm_bin, ["generate", d, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", "1",
                           "--dump-logits", out, "--dump-positions", ",".join(map(str, positions)),
                           *threads_args(), *numerics_args()])
    assert r.returncode == 0, r.describe()
    got = np.load(out)
    for p in positions:
        rel = np.linalg.norm(got[p] - want[p]) / np.linalg.norm(want[p])
        assert rel <= 1e-3, f"{name} position {p}: relative error {rel:.2e}"
    # The window matters: a reference with full attention everywhere differs.
    ref.local = [False] * len(ref.local)
    assert np.abs(ref.logits(ids, [len(ids) - 1])[0] - want[-1]).max() > 1e-3
    ref.local = [t for t in json.loads((d / "config.json").read_text())["layer_types"]]
    ref.local = [t == "sliding_attention" for t in ref.local]
    want_ids, margins = ref.greedy(ids, 12)
    r = run_cli(vllm_bin, ["generate", d, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", "12",
                           "--temperature", "0", "--ignore-eos", "--json", *threads_args(), *numerics_args()])
    assert r.returncode == 0, r.describe()
    got_ids = r.json()["token_ids"]
    for k, (g, w) in enumerate(zip(got_ids, want_ids)):
        if g != w:
            assert margins[k] < 1e-3, f"{name} token {k}: {g} vs reference {w} (margin {margins[k]:.3g})"
            break
