#!/usr/bin/env bash
# Side-by-side CPU benchmark (issue #7 item 5): vllm-cpp vs llama.cpp (llama-cpp-python, GGUF of the
# same weights) vs mlx-lm (MLX CPU backend), for the Qwen3-0.6B-8bit and Llama-3.2-1B-Instruct-4bit
# shapes, same prompt ids / generation length / threads, one markdown table + JSON. See bench/README.md.
#
#   bench/compare_cpu.sh [--threads N] [--max-tokens 128] [--prompt-tokens 128] [--repeats 3]
#                        [--stat best|median] [--models qwen3-0.6b-8bit,llama-3.2-1b-4bit]
#                        [--engines vllm-cpp,llama.cpp,mlx-lm] [--output build/compare/compare.json]
#
# Environment: JOBS (build parallelism for vllm-cpp and llama.cpp, default 1), COMPARE_NO_BUILD=1
# (use build/vllm-cpp as it is), PYTHON (interpreter that makes the venv, default python3).
# First run: builds llama.cpp from the llama-cpp-python sdist (CPU only, native flags) into
# build/compare/venv (~20-40 min on 2 busy cores) and writes the random-weight checkpoints (~3 GB
# under build/compare/models); later runs reuse both.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
WORK=build/compare
VENV=$WORK/venv
JOBS="${JOBS:-1}"
LLAMA_CPP_PYTHON_VERSION=0.3.36
GGUF_VERSION=0.19.0
REQ="llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION gguf==$GGUF_VERSION"

log() { echo "[compare] $*" >&2; }

[[ -x .venv/bin/python ]] || { log "no .venv (mlx, mlx-lm): run 'make setup' first"; exit 1; }
.venv/bin/python -c "import mlx_lm" 2>/dev/null || { log ".venv lacks mlx-lm: run 'make setup'"; exit 1; }

# 1. The comparison's own venv: llama-cpp-python compiled for this CPU only (no GPU backends), gguf.
mkdir -p "$WORK"
if [[ ! -f $VENV/.installed || "$(cat $VENV/.installed)" != "$REQ" ]]; then
  log "installing $REQ into $VENV (compiles llama.cpp with $JOBS job(s); log: $WORK/pip-install.log)"
  [[ -x $VENV/bin/python ]] || "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_METAL=OFF -DGGML_BLAS=OFF -DGGML_VULKAN=OFF \
-DLLAMA_CURL=OFF -DLLAVA_BUILD=OFF $(command -v ccache >/dev/null && echo \
'-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache')" \
  CMAKE_BUILD_PARALLEL_LEVEL="$JOBS" \
    "$VENV/bin/pip" install -v $REQ >"$WORK/pip-install.log" 2>&1 \
    || { log "pip install failed: see $WORK/pip-install.log"; tail -20 "$WORK/pip-install.log" >&2; exit 1; }
  echo "$REQ" >"$VENV/.installed"
fi

# 2. vllm-cpp as the tree is now (incremental; the kernels are what is being measured).
if [[ -z "${COMPARE_NO_BUILD:-}" ]]; then
  log "building vllm-cpp (make build JOBS=$JOBS)"
  make build JOBS="$JOBS" >"$WORK/make.log" 2>&1 || { log "build failed: see $WORK/make.log"; tail -20 "$WORK/make.log" >&2; exit 1; }
fi

# 3-5. Checkpoints (cached), runs, table + JSON.
exec "$VENV/bin/python" bench/compare/compare.py "$@"
