"""Fixtures of the structured-output suite (issue #22): `vllm-cpp serve` on the tiny random
Qwen3 (tests/conformance/tiny_models.py: real Qwen3 vocabulary and chat template), from
tests/api/api_helpers.py."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import start_server, tiny_model, vllm_bin  # noqa: E402,F401
