"""Fixtures of the hub suite: a fake hub (fake_hub.py) per test, an empty Hugging Face
cache per test, and `cli(...)` to run vllm-cpp against them.

Environment:
  VLLM_CPP_BIN   the vllm-cpp binary under test (required)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from api_helpers import vllm_bin  # noqa: E402,F401  (the binary under test)
from fake_hub import FakeHub  # noqa: E402


@pytest.fixture
def hub():
    h = FakeHub().start()
    yield h
    h.stop()


@pytest.fixture
def hf_home(tmp_path) -> Path:
    d = tmp_path / "hf_home"
    d.mkdir()
    return d


@pytest.fixture
def hub_env(hub, hf_home):
    """The environment vllm-cpp runs in: our cache, our hub, no token, nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update({"HF_HOME": str(hf_home), "HF_ENDPOINT": hub.hub_url, "HF_HUB_DISABLE_TELEMETRY": "1"})
    return env


@pytest.fixture
def cli(vllm_bin, hub_env):
    """cli(*args, env=overrides, prefix=[wrapper command], timeout=...) -> CompletedProcess (text)."""

    def run(*args, env=None, prefix=(), timeout=120, **kwargs):
        e = dict(hub_env)
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        return subprocess.run([*map(str, prefix), str(vllm_bin), *map(str, args)], env=e, capture_output=True, text=True,
                              timeout=timeout, **kwargs)

    return run
