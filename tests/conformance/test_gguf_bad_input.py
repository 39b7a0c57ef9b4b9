"""Corrupt GGUF files: each gives one clear error line (naming the file and the field), a
non-zero exit and no crash, from both `vllm-cpp gguf` (the reader alone) and `generate`
(the full load path). The files are valid ones written by the `gguf` package, then edited."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from gguf_files import Q, random_blocks, write_gguf
from harness import run_cli


def tiny_file(path, arch="llama"):
    rng = np.random.default_rng(0)
    tensors = {
        "token_embd.weight": (random_blocks(Q.Q8_0, 8, 64, rng), Q.Q8_0),
        "output_norm.weight": (np.ones(64, np.float32), None),
    }
    meta = {f"{arch}.embedding_length": 64, f"{arch}.block_count": 1}
    return write_gguf(path, arch, tensors, meta)


def header_end(data: bytes) -> dict:
    """Offsets of the fixed header fields and of the first tensor-info record."""
    return {"version": 4, "tensor_count": 8, "kv_count": 16}


def edit(path, offset, fmt, value):
    b = bytearray(path.read_bytes())
    struct.pack_into(fmt, b, offset, value)
    path.write_bytes(bytes(b))


def tensor_info_offset(data: bytes, name: str) -> int:
    """Byte offset just after a tensor's name in the tensor-info table (its n_dims field)."""
    key = struct.pack("<Q", len(name)) + name.encode()
    i = data.rfind(key)
    assert i > 0
    return i + len(key)


def check_fails(vllm_bin, path, *needles):
    for args in (["gguf", path], ["generate", path, "--prompt-ids", "1", "--max-tokens", "1"]):
        r = run_cli(vllm_bin, args, timeout=60)
        assert r.returncode not in (0,) and r.returncode > 0, r.describe()  # negative: killed by a signal
        lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
        assert len(lines) == 1, r.describe()
        assert str(path) in lines[0], r.describe()
        for n in needles:
            assert n in lines[0], f"{n!r} not in: {lines[0]}"


def test_valid_file_lists(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "ok.gguf")
    r = run_cli(vllm_bin, ["gguf", p])
    assert r.returncode == 0, r.describe()
    assert "token_embd.weight" in r.stdout and "Q8_0" in r.stdout


def test_wrong_magic(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "m.gguf")
    b = bytearray(p.read_bytes()); b[:4] = b"GGUX"; p.write_bytes(bytes(b))
    check_fails(vllm_bin, p, "magic")


@pytest.mark.parametrize("cut", [3, 20, 100, -1])
def test_truncated(vllm_bin, tmp_path, cut):
    p = tiny_file(tmp_path / "t.gguf")
    data = p.read_bytes()
    p.write_bytes(data[:cut] if cut > 0 else data[: len(data) - 7])
    check_fails(vllm_bin, p)


def test_bad_version(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "v.gguf")
    edit(p, 4, "<I", 7)
    check_fails(vllm_bin, p, "version")


@pytest.mark.parametrize("field,offset", [("tensor_count", 8), ("metadata_kv_count", 16)])
def test_absurd_counts(vllm_bin, tmp_path, field, offset):
    p = tiny_file(tmp_path / "c.gguf")
    edit(p, offset, "<Q", 1 << 62)
    check_fails(vllm_bin, p, field)


def test_absurd_string_length(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "s.gguf")
    edit(p, 24, "<Q", 1 << 60)  # the first metadata key's length
    check_fails(vllm_bin, p, "length")


def test_tensor_beyond_file(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "b.gguf")
    data = p.read_bytes()
    off = tensor_info_offset(data, "token_embd.weight") + 4 + 2 * 8 + 4  # n_dims, ne[2], type -> offset
    edit(p, off, "<Q", 1 << 20)
    check_fails(vllm_bin, p, "token_embd.weight", "past the end")


def test_misaligned_offset(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "a.gguf")
    data = p.read_bytes()
    off = tensor_info_offset(data, "output_norm.weight") + 4 + 8 + 4
    (cur,) = struct.unpack_from("<Q", data, off)
    edit(p, off, "<Q", cur + 4)
    check_fails(vllm_bin, p, "output_norm.weight", "alignment")


def test_overlapping_tensors(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "o.gguf")
    data = p.read_bytes()
    off = tensor_info_offset(data, "output_norm.weight") + 4 + 8 + 4
    edit(p, off, "<Q", 0)  # on top of token_embd's data
    check_fails(vllm_bin, p, "overlaps")


def test_huge_dims_overflow(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "d.gguf")
    data = p.read_bytes()
    off = tensor_info_offset(data, "token_embd.weight") + 4
    edit(p, off + 8, "<Q", 1 << 40)  # ne[1]: rows
    check_fails(vllm_bin, p, "token_embd.weight")


@pytest.mark.parametrize("type_id,needle", [(16, "IQ2_XXS"), (99, "unknown ggml type 99")])
def test_unknown_or_unsupported_quant_type(vllm_bin, tmp_path, type_id, needle):
    p = tiny_file(tmp_path / "q.gguf")
    data = p.read_bytes()
    off = tensor_info_offset(data, "token_embd.weight") + 4 + 2 * 8
    edit(p, off, "<I", type_id)
    check_fails(vllm_bin, p, needle)


def test_unknown_architecture(vllm_bin, tmp_path):
    p = tiny_file(tmp_path / "arch.gguf", arch="mamba9")
    r = run_cli(vllm_bin, ["generate", p, "--prompt-ids", "1", "--max-tokens", "1"], timeout=60)
    assert r.returncode > 0, r.describe()
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1 and "mamba9" in lines[0] and "not supported" in lines[0], r.describe()


def test_directory_with_two_models(vllm_bin, tmp_path):
    tiny_file(tmp_path / "a.gguf")
    tiny_file(tmp_path / "b.gguf")
    r = run_cli(vllm_bin, ["gguf", tmp_path])
    assert r.returncode > 0 and "several GGUF models" in r.stderr, r.describe()


def test_split_file_set(vllm_bin, tmp_path):
    """A model split in two by gguf's writer loads as one (names -00001-of-00002.gguf)."""
    import gguf
    rng = np.random.default_rng(1)
    w = gguf.GGUFWriter(str(tmp_path / "m.gguf"), "llama", split_max_tensors=1)
    w.add_tensor("a.weight", random_blocks(Q.Q4_K, 2, 256, rng), raw_dtype=Q.Q4_K)
    w.add_tensor("b.weight", np.ones(32, np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    parts = sorted(tmp_path.glob("*.gguf"))
    assert [x.name for x in parts] == ["m-00001-of-00002.gguf", "m-00002-of-00002.gguf"]
    r = run_cli(vllm_bin, ["gguf", parts[0]])
    assert r.returncode == 0, r.describe()
    assert "2 file(s)" in r.stdout and "a.weight" in r.stdout and "b.weight" in r.stdout
    parts[1].unlink()
    r = run_cli(vllm_bin, ["gguf", parts[0]])
    assert r.returncode > 0 and "m-00002-of-00002.gguf" in r.stderr, r.describe()
