"""Fixtures of the benchmark-command tests: the binary under test (VLLM_CPP_BIN, required) and
a tiny random Qwen3 checkpoint made by mlx-lm (tests/conformance/tiny_models.py: 4 layers,
hidden 256, the real Qwen3 tokenizer), so each command runs in seconds."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "conformance"))

import tiny_models  # noqa: E402

TINY_VARIANT = "qwen3-q4g64-tied"


@pytest.fixture(scope="session")
def vllm_bin() -> Path:
    env = os.environ.get("VLLM_CPP_BIN")
    if not env:
        pytest.fail("VLLM_CPP_BIN is not set: point it at the vllm-cpp binary under test", pytrace=False)
    p = Path(env)
    if not p.is_file() or not os.access(p, os.X_OK):
        pytest.fail(f"VLLM_CPP_BIN={env} is not an executable file", pytrace=False)
    return p.resolve()


@pytest.fixture(scope="session")
def tiny_model() -> Path:
    return tiny_models.ModelCache().path(TINY_VARIANT)
