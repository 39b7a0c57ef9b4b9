"""Fixtures of the benchmark-command tests: the binary under test (VLLM_CPP_BIN, required) and
a tiny random Qwen3 checkpoint made by mlx-lm (tests/conformance/tiny_models.py: 4 layers,
hidden 256, the real Qwen3 tokenizer), so each command runs in seconds. Both are the API
suite's fixtures (tests/api/api_helpers.py), shared rather than redefined."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import start_server, tiny_model, vllm_bin  # noqa: E402,F401
