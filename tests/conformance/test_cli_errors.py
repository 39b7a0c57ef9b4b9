"""Bad input to `vllm-cpp generate`: every case must end with a non-zero exit status (not a signal),
exactly one non-empty line on stderr naming the offending file or tensor, and no abort / uncaught
exception / sanitizer text. Broken checkpoints are copies of a small tiny model (qwen3 q4 g64)."""

from __future__ import annotations

import json
import shutil
import struct

import pytest

import safetensors_edit as st
import tiny_models

BASE_VARIANT = tiny_models.SMOKE_VARIANT  # qwen3, 4-bit g64, tied: ~35 MB
PROMPT_IDS = "9707,11,1879,0"  # "Hello, world!" in the Qwen tokenizer

FORBIDDEN = ["Aborted", "terminate called", "Sanitizer", "runtime error:", "core dumped",
             "Segmentation fault", "Traceback", "what():", "stack trace", "Stack trace"]


@pytest.fixture
def model_copy(model_cache, tmp_path):
    """A fresh, writable copy of the base tiny model."""
    dst = tmp_path / "model"
    shutil.copytree(model_cache.path(BASE_VARIANT), dst)
    return dst


def run_generate(cli, model_dir):
    return cli("generate", model_dir, "--prompt-ids", PROMPT_IDS, "--max-tokens", "4", "--ignore-eos",
               "--json", "--threads", "1", timeout=120)


def assert_clean_error(res, *must_name):
    """must_name: each entry is a string or a tuple of alternatives; one of them must appear."""
    d = res.describe()
    assert res.returncode != 0, f"expected a failure exit status\n{d}"
    assert res.returncode > 0, f"killed by signal {-res.returncode} instead of exiting with an error\n{d}"
    assert res.returncode < 128, f"exit status {res.returncode} looks like a signal (128+n)\n{d}"
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"want exactly one error line on stderr, got {len(lines)}\n{d}"
    for bad in FORBIDDEN:
        assert bad not in res.stderr, f"stderr contains {bad!r}\n{d}"
    for alternatives in must_name:
        if isinstance(alternatives, str):
            alternatives = (alternatives,)
        assert any(a in lines[0] for a in alternatives), f"error line does not name any of {alternatives}\n{d}"
    return lines[0]


def edit_tensors(model_dir, fn):
    path = model_dir / "model.safetensors"
    meta, tensors = st.read(path)
    fn(tensors)
    st.write(path, meta, tensors)


def test_missing_directory(cli, tmp_path):
    missing = tmp_path / "no_such_model_dir"
    assert_clean_error(run_generate(cli, missing), str(missing.name))


def test_directory_without_config(cli, tmp_path, model_copy):
    (model_copy / "config.json").unlink()
    assert_clean_error(run_generate(cli, model_copy), "config.json")


def test_empty_directory(cli, tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    assert_clean_error(run_generate(cli, d), ("config.json", str(d)))


def test_unsupported_architecture(cli, model_copy):
    cfg = json.loads((model_copy / "config.json").read_text())
    cfg["model_type"] = "gpt2"
    cfg["architectures"] = ["GPT2LMHeadModel"]
    (model_copy / "config.json").write_text(json.dumps(cfg, indent=2))
    line = assert_clean_error(run_generate(cli, model_copy), "gpt2")
    assert "not supported" in line.lower(), f"message should say the architecture is not supported: {line!r}"


@pytest.mark.parametrize("garbage", ["{\"model_type\": \"qwen3\", \"hidden_size\": ", "not json at all", ""],
                         ids=["truncated", "text", "empty"])
def test_corrupt_config(cli, model_copy, garbage):
    (model_copy / "config.json").write_text(garbage)
    assert_clean_error(run_generate(cli, model_copy), "config.json")


def test_config_missing_required_key(cli, model_copy):
    cfg = json.loads((model_copy / "config.json").read_text())
    del cfg["hidden_size"]
    (model_copy / "config.json").write_text(json.dumps(cfg))
    assert_clean_error(run_generate(cli, model_copy), "hidden_size")


@pytest.mark.parametrize("tensor", [
    "model.layers.1.self_attn.k_norm.weight",  # a float tensor
    "model.norm.weight",
    "model.layers.3.mlp.down_proj.scales",  # part of a quantized linear
])
def test_missing_tensor(cli, model_copy, tensor):
    def drop(tensors):
        del tensors[tensor]

    edit_tensors(model_copy, drop)
    module = tensor.rsplit(".", 1)[0]
    assert_clean_error(run_generate(cli, model_copy), (tensor, module))


@pytest.mark.parametrize("tensor,new_shape", [
    ("model.layers.0.input_layernorm.weight", [128]),  # float: [256] -> [128]
    # packed U32 [256, 32] -> [128, 32]: the out dim is wrong. (A changed last dim is not always an
    # error: mlx-lm infers bits per layer from the packed width, so [256, 16] loads as 2-bit.)
    ("model.layers.2.self_attn.q_proj.weight", [128, 32]),
])
def test_wrong_shape(cli, model_copy, tensor, new_shape):
    def reshape(tensors):
        dtype, shape, raw = tensors[tensor]
        n_old = 1
        for s in shape:
            n_old *= s
        n_new = 1
        for s in new_shape:
            n_new *= s
        item = len(raw) // n_old
        tensors[tensor] = (dtype, new_shape, raw[:n_new * item])

    edit_tensors(model_copy, reshape)
    assert_clean_error(run_generate(cli, model_copy), tensor)


def test_truncated_safetensors(cli, model_copy):
    f = model_copy / "model.safetensors"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    assert_clean_error(run_generate(cli, model_copy), "model.safetensors")


def test_safetensors_header_length_too_large(cli, model_copy):
    f = model_copy / "model.safetensors"
    data = bytearray(f.read_bytes())
    data[:8] = struct.pack("<Q", 1 << 60)
    f.write_bytes(bytes(data))
    assert_clean_error(run_generate(cli, model_copy), "model.safetensors")


def test_safetensors_garbage_header(cli, model_copy):
    f = model_copy / "model.safetensors"
    data = bytearray(f.read_bytes())
    (n,) = struct.unpack("<Q", data[:8])
    data[8:8 + n] = b"{" + b"\x00\xff garbage" * ((n - 1) // 10) + b"#" * ((n - 1) % 10)
    f.write_bytes(bytes(data))
    assert_clean_error(run_generate(cli, model_copy), "model.safetensors")


def test_safetensors_offsets_past_end(cli, model_copy):
    """A header whose data_offsets point past the end of the file (a classic out-of-bounds read)."""
    path = model_copy / "model.safetensors"
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    name = "model.layers.0.post_attention_layernorm.weight"
    b, e = header[name]["data_offsets"]
    size = len(data) - 8 - n
    header[name]["data_offsets"] = [size - (e - b) // 2, size - (e - b) // 2 + (e - b)]
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    path.write_bytes(struct.pack("<Q", len(h)) + h + data[8 + n:])
    assert_clean_error(run_generate(cli, model_copy), ("model.safetensors", name))


def test_no_safetensors_file(cli, model_copy):
    (model_copy / "model.safetensors").unlink()
    (model_copy / "model.safetensors.index.json").unlink()
    assert_clean_error(run_generate(cli, model_copy), ("safetensors", str(model_copy)))


def test_prompt_token_out_of_vocab(cli, model_cache):
    """A prompt id >= vocab_size is bad input, not a crash."""
    res = cli("generate", model_cache.path(BASE_VARIANT), "--prompt-ids", "1,151936", "--max-tokens", "2",
              "--ignore-eos", "--json", "--threads", "1", timeout=120)
    assert_clean_error(res, "151936")
