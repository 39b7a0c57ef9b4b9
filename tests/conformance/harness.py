"""Running the vllm-cpp binary (kept out of conftest.py so test modules can import it by name
without clashing with other directories' conftest modules)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


def threads_args() -> list[str]:
    return ["--threads", os.environ.get("VLLM_CPP_THREADS", "2")]


def numerics_args() -> list[str]:
    """Flags that make vllm-cpp compute what the float32 reference computes. The contract is
    float32 activations and a float32 KV cache; vllm-cpp's default KV cache became bf16
    (--kv-cache-dtype auto), which costs ~3e-3..2e-2 relative logits error -- over the 1e-3
    tolerance -- so the numerics tests ask for f32 explicitly. Override with VLLM_CPP_NUMERICS_ARGS
    (space-separated; empty string for none)."""
    return os.environ.get("VLLM_CPP_NUMERICS_ARGS", "--kv-cache-dtype f32").split()


@dataclass
class CliResult:
    cmd: list
    returncode: int
    stdout: str
    stderr: str

    def describe(self) -> str:
        return (f"$ {' '.join(map(str, self.cmd))}\nexit status {self.returncode}\n"
                f"--- stderr (tail) ---\n{self.stderr[-3000:]}\n--- stdout (tail) ---\n{self.stdout[-2000:]}")

    def json(self) -> dict:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as e:
            pytest.fail(f"stdout is not one JSON object ({e})\n{self.describe()}", pytrace=False)


def exact_gguf_env() -> dict:
    """The environment that selects the f32-activation GGUF kernels. vllm-cpp's default runs
    GGUF Q8_0 / Q4_K weights on int8 activations (llama.cpp's precision class, admitted by the
    precision policy in docs/PERFORMANCE.md); tests that hold GGUF models to the f32 reference's
    1e-3 ask for the exact path."""
    return {**os.environ, "VLLM_CPP_GGUF_ACTIVATIONS": "f32"}


def run_cli(binary: Path, args: list, timeout: float = 300, env: dict | None = None) -> CliResult:
    cmd = [str(binary)] + [str(a) for a in args]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, errors="replace", env=env)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"timed out after {timeout} s: {' '.join(cmd)}\n{(e.stderr or b'')[-2000:]!r}", pytrace=False)
    return CliResult(cmd, p.returncode, p.stdout, p.stderr)


def render_chat_template_driver() -> Path:
    """The chat-template test driver, built next to the vllm-cpp binary under test (without
    VLLM_CPP_BIN: the default build directory). Never falls back silently to another,
    possibly stale, build."""
    if os.environ.get("VLLM_CPP_BIN"):
        path = Path(os.environ["VLLM_CPP_BIN"]).resolve().parent / "render_chat_template"
    else:
        path = Path(__file__).resolve().parents[2] / "build" / "render_chat_template"
    if not path.exists():
        pytest.fail(f"{path} not found: build the render_chat_template target")
    return path
