"""GGUF block formats decoded by vllm-cpp's CPU row decoder (the one the embedding lookup and
the prefill tile path use) equal gguf.quants.dequantize (llama.cpp's Python reference) bit for
bit, for every format, over random blocks and row counts 1, odd and long."""

from __future__ import annotations

import numpy as np
import pytest

import gguf
import gguf.quants
from gguf_files import BLOCK_SCALES, Q, random_blocks, write_gguf
from harness import run_cli

SHAPES = [(1, 256), (3, 512), (17, 768), (64, 2048)]


@pytest.mark.parametrize("qtype", list(BLOCK_SCALES), ids=lambda q: q.name)
def test_dequant_bit_exact(vllm_bin, tmp_path, qtype):
    rng = np.random.default_rng(int(qtype))
    tensors = {f"t{i}": (random_blocks(qtype, r, c, rng), qtype) for i, (r, c) in enumerate(SHAPES)}
    path = write_gguf(tmp_path / "q.gguf", "llama", tensors)
    for name, (raw, _) in tensors.items():
        out = tmp_path / f"{name}.npy"
        r = run_cli(vllm_bin, ["gguf", path, "--dequant", name, "--out", out])
        assert r.returncode == 0, r.describe()
        got = np.load(out)
        want = gguf.quants.dequantize(raw, qtype).astype(np.float32)
        assert got.shape == want.shape
        assert np.isfinite(want).all()
        bad = np.flatnonzero(got.view(np.uint32) != want.view(np.uint32))
        assert bad.size == 0, f"{qtype.name} {name}: {bad.size} values differ, first at {bad[0]}: {got.flat[bad[0]]} vs {want.flat[bad[0]]}"


@pytest.mark.parametrize("qtype", [Q.F32, Q.F16, Q.BF16], ids=lambda q: q.name)
def test_dense_types(vllm_bin, tmp_path, qtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 96)).astype(np.float32)
    if qtype == Q.F16:
        arr, raw_type = x.astype(np.float16), None
    elif qtype == Q.BF16:
        arr, raw_type = gguf.quants.quantize(x, Q.BF16), Q.BF16
    else:
        arr, raw_type = x, None
    path = write_gguf(tmp_path / "d.gguf", "llama", {"t": (arr, raw_type)})
    r = run_cli(vllm_bin, ["gguf", path, "--dequant", "t", "--out", tmp_path / "t.npy"])
    assert r.returncode == 0, r.describe()
    want = gguf.quants.dequantize(arr, qtype).astype(np.float32) if raw_type else arr.astype(np.float32)
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"), want)
