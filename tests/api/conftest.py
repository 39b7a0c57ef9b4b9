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

# The fixtures live in api_helpers so other suites (tests/bench) share them.
from api_helpers import start_server, tiny_model, vllm_bin  # noqa: F401


