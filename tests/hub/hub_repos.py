"""Repositories the hub tests publish on the fake hub: small synthetic checkpoints (the
download tests never parse weights) and the real tiny Qwen3 test model (for the tests that
load what they downloaded)."""

from __future__ import annotations

import json
import random
from pathlib import Path

CHECKPOINT = "test-org/tiny-ckpt"
SHARDED = "test-org/sharded-ckpt"
GGUF = "test-org/tiny-GGUF"
GATED = "gated-org/secret-ckpt"


def _bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def checkpoint_files(seed: int = 1, weights_bytes: int = 3 << 20) -> dict:
    """A single-file safetensors checkpoint plus the files a download must skip."""
    return {
        "config.json": json.dumps({"model_type": "qwen3", "seed": seed}).encode(),
        "tokenizer.json": json.dumps({"version": "1.0", "seed": seed}).encode(),
        "tokenizer_config.json": b'{"chat_template": "{{ messages }}"}',
        "generation_config.json": b'{"do_sample": false}',
        "model.safetensors": _bytes(weights_bytes, seed),
        "README.md": b"# not needed\n",
        "pytorch_model.bin": _bytes(4096, seed + 1),
        "onnx/model.onnx": _bytes(1024, seed + 2),
        ".gitattributes": b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n",
    }


def sharded_files() -> dict:
    shards = {f"model-0000{i}-of-00002.safetensors": _bytes(300_000 + i, 10 + i) for i in (1, 2)}
    index = {"metadata": {"total_size": 600_003},
             "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors"}}
    return {"config.json": b'{"model_type": "llama"}', "tokenizer.json": b"{}",
            "model.safetensors.index.json": json.dumps(index).encode(), **shards,
            "consolidated.safetensors": _bytes(500_000, 99)}  # not in the index: never fetched


def gguf_files() -> dict:
    return {"README.md": b"gguf repo\n", "tiny-Q4_K_M.gguf": b"GGUF" + _bytes(200_000, 5),
            "tiny-Q8_0.gguf": b"GGUF" + _bytes(300_000, 6), "mmproj-tiny-f16.gguf": b"GGUF" + _bytes(1000, 7)}


def model_dir_files(model_dir: Path) -> dict:
    """Every file of a checkpoint directory, as a hub repo would hold them."""
    return {p.name: p.read_bytes() for p in sorted(Path(model_dir).iterdir()) if p.is_file()}
