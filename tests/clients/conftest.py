"""Fixtures of the real-client suite (issue #23): `vllm-cpp serve` on tiny mlx-lm checkpoints
(tests/conformance/tiny_models.py), driven by the clients people run (openai, anthropic,
LiteLLM, LangChain, lm-evaluation-harness) and checked against live references (mlx-lm,
numpy). The server fixtures come from tests/api/api_helpers.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path

# LiteLLM fetches its model price map over the network at import unless told to use its copy.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import start_server, tiny_model, vllm_bin  # noqa: E402,F401
