#!/usr/bin/env bash
# Unpacks the carried binaries, runs the device script (tests/cuda/run_on_device.sh), then the
# API suite (tests/api) against `serve --device cuda` with carried wheels and model.
# Usage (from the repo root on the device): bash .cudacarry/pack/go.sh [--quick] [--api-only]
set -u
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/cbx && tar -xJf "$here/cb.tar.xz" -C /tmp/cbx
out=${OUT:-.}
# The API model may come packed (the carry limit): .cudacarry/pack/apimodel.tar.xz.
if [ ! -d .cudacarry/apimodel ] && [ -f "$here/apimodel.tar.xz" ]; then
  mkdir -p .cudacarry && tar -xJf "$here/apimodel.tar.xz" -C .cudacarry
fi
case " $* " in *" --api-only "*) ;; *) bash /tmp/cbx/cb/run_on_device.sh /tmp/cbx/cb "${1:-}" ;; esac
if [ -d .whl ] && [ -d .cudacarry/apimodel ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site LD_LIBRARY_PATH=/tmp/cbx/cb/lib
  /tmp/cbx/cb/vllm-cpp --help > /dev/null 2>&1 || export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:/tmp/cbx/cb/lib-std
  t0=$SECONDS
  VLLM_CPP_BIN=/tmp/cbx/cb/vllm-cpp VLLM_CPP_API_MODEL=$PWD/.cudacarry/apimodel \
    VLLM_CPP_SERVE_ARGS="--device cuda" PYTHONUNBUFFERED=1 timeout 300 python3 -m pytest -q -p no:cacheprovider \
    tests/api --ignore=tests/api/test_tool_call_roundtrip.py --ignore=tests/api/test_api_multi_model.py \
    > "$out/api_suite.log" 2>&1
  echo "== api suite (serve --device cuda) rc=$? $((SECONDS - t0))s"; tail -15 "$out/api_suite.log"
  # Against torch: transformers in f32 on this GPU, the tiny MLX model dequantized by the script.
  if python3 -c "import torch, transformers, safetensors" 2>/dev/null; then
    timeout 240 python3 tests/cuda/torch_compare.py /tmp/cbx/cb/vllm-cpp "$PWD/.cudacarry/apimodel" \
      > "$out/torch_compare.log" 2>&1
    echo "== torch comparison rc=$?"; grep -E "^(ok|FAIL)|torch comparison|Error|error" "$out/torch_compare.log" | tail -12
  fi
  # Structured output (grammar rows take the host sampler on CUDA).
  t0=$SECONDS
  VLLM_CPP_BIN=/tmp/cbx/cb/vllm-cpp VLLM_CPP_API_MODEL=$PWD/.cudacarry/apimodel \
    VLLM_CPP_SERVE_ARGS="--device cuda" PYTHONUNBUFFERED=1 timeout 200 python3 -m pytest -q -p no:cacheprovider \
    tests/structured > "$out/structured_suite.log" 2>&1
  echo "== structured suite (serve --device cuda) rc=$? $((SECONDS - t0))s"; tail -8 "$out/structured_suite.log"
fi
# The device tool returns only a few files: everything in one archive.
(cd "$out" && tar -czf logs.tgz --remove-files $(ls | grep -v '^logs.tgz$') 2>/dev/null)
