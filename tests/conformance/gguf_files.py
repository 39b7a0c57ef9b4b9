"""Small GGUF files for the tests, written with the `gguf` package (llama.cpp's own writer):
random block-quantized tensors (random bytes with finite f16 scales) and raw byte edits for
the bad-input tests."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

Q = gguf.GGMLQuantizationType

# Block formats vllm-cpp reads, with the byte offsets of their f16 scale fields (d, dmin/m):
# random bytes there could be inf/nan, so they are replaced by random finite halves.
BLOCK_SCALES = {
    Q.Q4_0: [0], Q.Q4_1: [0, 2], Q.Q5_0: [0], Q.Q5_1: [0, 2], Q.Q8_0: [0],
    Q.Q2_K: [80, 82], Q.Q3_K: [108], Q.Q4_K: [0, 2], Q.Q5_K: [0, 2], Q.Q6_K: [208],
}


def random_blocks(qtype, rows: int, cols: int, rng: np.random.Generator) -> np.ndarray:
    """[rows, cols/elems*bytes] uint8 of valid blocks: every code pattern, finite scales."""
    elems, nbytes = gguf.GGML_QUANT_SIZES[qtype]
    assert cols % elems == 0
    raw = rng.integers(0, 256, size=(rows, cols // elems, nbytes), dtype=np.uint8)
    for off in BLOCK_SCALES[qtype]:
        halves = (rng.standard_normal((rows, cols // elems)) * 0.05).astype(np.float16)
        raw[:, :, off:off + 2] = halves.view(np.uint8).reshape(rows, cols // elems, 2)
    return raw.reshape(rows, -1)


def write_gguf(path: Path, arch: str, tensors: dict, metadata: dict | None = None) -> Path:
    """tensors: name -> (array, qtype or None). Arrays of a block type are raw bytes [rows, bytes]."""
    w = gguf.GGUFWriter(str(path), arch)
    for k, v in (metadata or {}).items():
        if isinstance(v, bool):
            w.add_bool(k, v)
        elif isinstance(v, int):
            w.add_uint32(k, v)
        elif isinstance(v, float):
            w.add_float32(k, v)
        elif isinstance(v, str):
            w.add_string(k, v)
        else:
            w.add_array(k, v)
    for name, (arr, qtype) in tensors.items():
        if qtype is None:
            w.add_tensor(name, arr)
        else:
            w.add_tensor(name, arr, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def write_hf_tokenizer_gguf(tok_dir: Path, path: Path, pre: str, add_bos: bool, arch: str = "llama") -> Path:
    """A vocab-only GGUF of a byte-level BPE tokenizer.json, laid out as llama.cpp's converter
    (convert_hf_to_gguf.py, _set_vocab_gpt2) lays it out: tokens by id (gaps as [PAD<i>],
    unused), added special tokens CONTROL, other added tokens USER_DEFINED, the merges, the
    pre-tokenizer type, BOS/EOS ids and the chat template."""
    import json
    tok = json.loads((tok_dir / "tokenizer.json").read_text())
    cfg = json.loads((tok_dir / "tokenizer_config.json").read_text())
    vocab = dict(tok["model"]["vocab"])
    added = {t["content"]: t for t in tok["added_tokens"]}
    for t in tok["added_tokens"]:
        vocab[t["content"]] = t["id"]
    n = max(vocab.values()) + 1
    rev = {i: s for s, i in vocab.items()}
    T = gguf.TokenType
    tokens, types = [], []
    for i in range(n):
        if i not in rev:
            tokens.append(f"[PAD{i}]"); types.append(T.UNUSED)
        elif rev[i] in added:
            tokens.append(rev[i]); types.append(T.CONTROL if added[rev[i]]["special"] else T.USER_DEFINED)
        else:
            tokens.append(rev[i]); types.append(T.NORMAL)
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    w = gguf.GGUFWriter(str(path), arch)
    w.add_block_count(1); w.add_context_length(4096); w.add_embedding_length(64)
    w.add_feed_forward_length(128); w.add_head_count(4); w.add_head_count_kv(4)
    w.add_layer_norm_rms_eps(1e-6); w.add_rope_freq_base(10000.0)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre(pre)
    w.add_token_list(tokens); w.add_token_types(types); w.add_token_merges(merges)
    for key, setter in (("bos_token", w.add_bos_token_id), ("eos_token", w.add_eos_token_id)):
        if cfg.get(key):
            name = cfg[key] if isinstance(cfg[key], str) else cfg[key]["content"]
            setter(vocab[name])
    w.add_add_bos_token(add_bos)
    if cfg.get("chat_template"):
        w.add_chat_template(cfg["chat_template"])
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    return path
