#!/usr/bin/env bash
# One device call: the CUDA kernel tests, then the kernel benchmark, logs under $OUT (or ./).
# Usage there: tests/cuda/run_on_device.sh DIR_WITH_BINARIES [--quick]
# (cuda_tests and cuda_bench from `make build-cuda`, build-cuda/tests/cuda/, carried over).
set -u
bin=${1:?directory holding cuda_tests and cuda_bench}
out=${OUT:-.}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
timeout 150 "$bin/cuda_tests" > "$out/cuda_tests.log" 2>&1
echo "cuda_tests rc=$?"
grep -E "^\[  (FAILED|PASSED) |Failure|Expected|Which is|actual" "$out/cuda_tests.log" | head -40
tail -3 "$out/cuda_tests.log"
timeout 120 "$bin/cuda_bench" ${2:-} 2>&1 | tee "$out/cuda_bench.log" | tail -40
