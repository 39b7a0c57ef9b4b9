#!/usr/bin/env bash
# One device call: CUDA kernel tests, end-to-end tests (CudaBackend vs RefBackend and vs the
# CPU backend), the decode benchmark on --device cuda and --device cpu, and the kernel
# benchmark; logs under $OUT (or ./), a short table last.
# Usage there: tests/cuda/run_on_device.sh DIR [--quick]
#   DIR holds cuda_tests, cuda_bench, cuda_e2e_tests and vllm-cpp from `make build-cuda`,
#   optionally lib/ (shared libraries the image lacks) and deps/ (the npm tokenizers).
set -u
bin=$(cd "${1:?directory holding the binaries}" && pwd)
out=${OUT:-.}
export LD_LIBRARY_PATH="$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
[ -d "$bin/deps" ] && export VLLM_CPP_DEPS_DIR="$bin/deps"
model=mlx-community/Qwen3-0.6B-8bit
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
# lib-std/: this build machine's libstdc++, only when the image's is older than the binary needs.
"$bin/vllm-cpp" --help > /dev/null 2>&1 || export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$bin/lib-std"
ldd "$bin/vllm-cpp" | grep -i "not found"
grep -m1 "model name" /proc/cpuinfo

run() {  # name timeout command...
  local name=$1 limit=$2
  shift 2
  local t0=$SECONDS
  timeout "$limit" "$@" > "$out/$name.log" 2>&1
  local rc=$?
  printf '%-16s rc=%-3s %4ds\n' "$name" "$rc" $((SECONDS - t0)) >> "$out/summary.txt"
  echo "== $name rc=$rc"
  grep -E "^\[  (FAILED|PASSED) |Failure|Expected|Which is|\[ e2e \]|step " "$out/$name.log" | head -60
}

run cuda_tests 90 "$bin/cuda_tests"
run cuda_e2e_tests 120 "$bin/cuda_e2e_tests"
run bench_cuda 50 "$bin/vllm-cpp" bench "$model" --load-format dummy --device cuda --prompts 5 --max-tokens 256
run bench_cpu 40 "$bin/vllm-cpp" bench "$model" --load-format dummy --device cpu --prompts 2 --max-tokens 64
run cuda_bench 30 "$bin/cuda_bench" ${2:-}
for f in bench_cuda bench_cpu; do echo "== $f"; grep -iE "hardware|tok/s|gen|decode" "$out/$f.log" | head -12; done
tail -25 "$out/cuda_bench.log"
echo "== summary"
cat "$out/summary.txt"
