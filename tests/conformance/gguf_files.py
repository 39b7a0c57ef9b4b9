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
