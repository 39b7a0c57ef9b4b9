"""Fixtures of the API suite: a real `vllm-cpp serve` process per test module, on a free
port, serving a tiny random Qwen3 model built by mlx-lm (tests/conformance/tiny_models.py:
4 layers, hidden 256, the real Qwen3 tokenizer and chat template). Its text is random, so
tests check protocol behaviour and self-consistency (stream == non-stream, seeds, stops,
lengths), never wording.

Environment:
  VLLM_CPP_BIN              the vllm-cpp binary under test (required)
  VLLM_CPP_TINY_MODELS_DIR  where tiny models are cached (default <repo>/build/tiny_models)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api_helpers import MODEL_VARIANT, Server, tiny_models


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
    return tiny_models.ModelCache().path(MODEL_VARIANT)


@pytest.fixture(scope="module")
def start_server(vllm_bin, tiny_model):
    """start_server(*extra_args) -> Server; the module's servers are stopped (and must exit 0) after it."""
    servers = []

    def _start(*extra_args) -> Server:
        s = Server(vllm_bin, tiny_model, list(extra_args))
        servers.append(s)
        return s

    yield _start
    for s in servers:
        rc = s.stop()
        assert rc == 0, f"server exited with {rc} after SIGTERM\n{s.log_text()}"
