"""Fixtures of the web-UI suite: the API suite's live-server fixtures (tests/api/api_helpers.py:
a real `vllm-cpp serve` on a tiny random Qwen3 model)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import start_server, tiny_model, vllm_bin  # noqa: E402,F401
