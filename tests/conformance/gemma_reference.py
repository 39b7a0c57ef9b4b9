"""An f32 reference forward of Gemma 3 (text) in numpy over a GGUF file's tensors decoded by
gguf.quants (llama.cpp's Python package): written from the architecture's definition
(transformers' Gemma3 / llama.cpp's gemma3 graph), sharing nothing with vllm-cpp.

  x = embed[ids] * sqrt(H)
  per layer: x += post_attn_norm(attn(attn_norm(x)));  x += post_ffw_norm(mlp(ffn_norm(x)))
  attn: q/k per-head RMSNorm, NeoX RoPE (local layers base 10000, global layers the file's
        freq_base), scale head_dim^-0.5, causal; local layers (all but every 6th) see the last
        `sliding_window` positions; mlp: down(gelu_tanh(gate x) * up x)
  logits = output_norm(x) @ embed^T
GGUF norm weights already hold the (1 + w) of the HF checkpoint."""

from __future__ import annotations

import numpy as np

import gguf
import gguf.quants


class GemmaReference:
    def __init__(self, path):
        r = gguf.GGUFReader(str(path))
        self.fields = {k: f.contents() for k, f in r.fields.items() if not k.startswith("tokenizer.ggml.")}
        self.tokens = r.fields["tokenizer.ggml.tokens"].contents()
        self.t = {}
        for t in r.tensors:
            a = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            shape = [int(d) for d in reversed(t.shape)]  # numpy order: slowest first
            self.t[t.name] = a.reshape(shape)
        a = "gemma3."
        self.H = self.fields[a + "embedding_length"]
        self.L = self.fields[a + "block_count"]
        self.nH = self.fields[a + "attention.head_count"]
        self.nKV = self.fields[a + "attention.head_count_kv"]
        self.D = self.fields[a + "attention.key_length"]
        self.eps = np.float32(self.fields[a + "attention.layer_norm_rms_epsilon"])
        self.base = self.fields[a + "rope.freq_base"]
        self.window = self.fields[a + "attention.sliding_window"]
        # llama.cpp's gemma3: every 6th layer global; local RoPE base 10000; scale head_dim^-0.5.
        self.local = [(i + 1) % 6 != 0 for i in range(self.L)]
        self.local_base = 10000.0
        self.scale = 1.0 / np.sqrt(self.D)

    @classmethod
    def from_hf(cls, directory):
        """A Gemma3ForCausalLM safetensors directory (config.json as transformers writes it):
        the same forward, with HF names mapped to GGUF's and the HF norms' 1 + w applied."""
        import json
        from pathlib import Path
        from safetensors.numpy import load_file
        d = Path(directory)
        cfg = json.loads((d / "config.json").read_text())
        w = load_file(str(d / "model.safetensors"))
        self = cls.__new__(cls)
        f32 = lambda a: a.astype(np.float32)
        self.t = {"token_embd.weight": f32(w["model.embed_tokens.weight"]),
                  "output_norm.weight": f32(w["model.norm.weight"]) + np.float32(1)}
        names = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                 "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                 "mlp.down_proj": "ffn_down"}
        norms = {"self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm", "input_layernorm": "attn_norm",
                 "post_attention_layernorm": "post_attention_norm", "pre_feedforward_layernorm": "ffn_norm",
                 "post_feedforward_layernorm": "post_ffw_norm"}
        self.L = cfg["num_hidden_layers"]
        for i in range(self.L):
            for hf, g in names.items():
                self.t[f"blk.{i}.{g}.weight"] = f32(w[f"model.layers.{i}.{hf}.weight"])
            for hf, g in norms.items():
                self.t[f"blk.{i}.{g}.weight"] = f32(w[f"model.layers.{i}.{hf}.weight"]) + np.float32(1)
        self.H, self.nH, self.nKV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
        self.D = cfg["head_dim"]
        self.eps = np.float32(cfg["rms_norm_eps"])
        rp = cfg["rope_parameters"]
        self.base = rp["full_attention"]["rope_theta"]
        self.local_base = rp["sliding_attention"]["rope_theta"]
        self.window = cfg["sliding_window"]
        self.local = [t == "sliding_attention" for t in cfg["layer_types"]]
        self.scale = 1.0 / np.sqrt(cfg["query_pre_attn_scalar"])
        self.tokens = None
        return self

    def _rms(self, x, w):
        x = x.astype(np.float32)
        return (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps)) * w

    def _rope(self, x, pos, base):  # x [T, h, D], NeoX: pairs (i, i + D/2)
        half = self.D // 2
        inv = (1.0 / base ** (np.arange(0, half, dtype=np.float64) * 2 / self.D)).astype(np.float32)
        ang = pos[:, None].astype(np.float32) * inv[None, :]
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        a, b = x[..., :half], x[..., half:]
        return np.concatenate([a * cos - b * sin, a * sin + b * cos], axis=-1)

    def hidden(self, ids, cache=None):
        """Final-normed hidden states [n, H] of ids at positions start..start+n-1, where start
        is the number of positions already in `cache` (a list of per-layer (K, V), extended)."""
        n, H, D, nH, nKV = len(ids), self.H, self.D, self.nH, self.nKV
        if cache is None:
            cache = []
        start = cache[0][0].shape[0] if cache else 0
        emb = self.t["token_embd.weight"]
        x = emb[np.asarray(ids)] * np.float32(np.sqrt(np.float32(H)))
        pos = np.arange(start, start + n)
        kpos = np.arange(start + n)
        causal = kpos[None, :] <= pos[:, None]
        local_mask = causal & (pos[:, None] - kpos[None, :] < self.window)
        for i in range(self.L):
            p = f"blk.{i}."
            g = lambda name: self.t[p + name + ".weight"]
            local = self.local[i]
            h = self._rms(x, g("attn_norm"))
            q = (h @ g("attn_q").T).reshape(n, nH, D)
            k = (h @ g("attn_k").T).reshape(n, nKV, D)
            v = (h @ g("attn_v").T).reshape(n, nKV, D)
            q = self._rms(q, g("attn_q_norm"))
            k = self._rms(k, g("attn_k_norm"))
            base = self.local_base if local else self.base
            q, k = self._rope(q, pos, base), self._rope(k, pos, base)
            if len(cache) <= i:
                cache.append((np.zeros((0, nKV, D), np.float32), np.zeros((0, nKV, D), np.float32)))
            K = np.concatenate([cache[i][0], k]); V = np.concatenate([cache[i][1], v])
            cache[i] = (K, V)
            mask = local_mask if local else causal
            out = np.empty((n, nH, D), np.float32)
            for hh in range(nH):
                kv = hh // (nH // nKV)
                s = (q[:, hh, :] @ K[:, kv, :].T) * np.float32(self.scale)
                s = np.where(mask, s, -np.inf)
                s = np.exp(s - s.max(axis=-1, keepdims=True))
                out[:, hh, :] = (s / s.sum(axis=-1, keepdims=True)) @ V[:, kv, :]
            o = out.reshape(n, nH * D) @ g("attn_output").T
            x = x + self._rms(o, g("post_attention_norm"))
            h = self._rms(x, g("ffn_norm"))
            gate, up = h @ g("ffn_gate").T, h @ g("ffn_up").T
            c = np.float32(np.sqrt(2.0 / np.pi))
            act = np.float32(0.5) * gate * (np.float32(1.0) + np.tanh(c * (gate + np.float32(0.044715) * gate ** 3)))
            d = (act * up) @ g("ffn_down").T
            x = x + self._rms(d, g("post_ffw_norm"))
        return self._rms(x, self.t["output_norm.weight"])

    def logits(self, ids, positions=None):
        h = self.hidden(ids)
        if positions is not None:
            h = h[np.asarray(positions)]
        return h @ self.t["token_embd.weight"].T

    def greedy(self, ids, n):
        """n greedy tokens after ids, and each step's top-2 logit margin."""
        cache = []
        h = self.hidden(list(ids), cache)[-1:]
        out, margins = [], []
        emb = self.t["token_embd.weight"]
        for _ in range(n):
            lg = (h @ emb.T)[0]
            top = np.argsort(lg)[-2:]
            out.append(int(top[1]))
            margins.append(float(lg[top[1]] - lg[top[0]]))
            h = self.hidden([int(top[1])], cache)
        return out, margins
