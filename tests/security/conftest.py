"""Fixtures of the security suite: the API suite's `vllm-cpp serve` process on the tiny model
(tests/api/api_helpers.py), plus raw-socket helpers for requests no HTTP library would send."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import start_server, tiny_model, vllm_bin  # noqa: E402,F401
