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
  grep -E "^\[  (FAILED|PASSED) |Failure|Expected|Which is|\[ e2e \]|\[ graphs \]|step " "$out/$name.log" | head -60
}

# STEPS (default all): a subset of "kernels e2e moe bench", for a second call after a fix.
steps=${STEPS:-kernels e2e moe bench}
case " $steps " in *" kernels "*) run cuda_tests 90 "$bin/cuda_tests" ;; esac
case " $steps " in *" e2e "*) run cuda_e2e_tests 120 "$bin/cuda_e2e_tests" ;; esac
# Qwen3-30B-A3B (MoE, 4-bit dummy weights): GPU single stream and 8 concurrent, and this host's
# CPU at batch 1 (the bench's hardware line has the measured read bandwidth: the floor).
if [[ " $steps " == *" moe "* ]]; then
  moe=mlx-community/Qwen3-30B-A3B-4bit
  run moe_b1_cuda 120 "$bin/vllm-cpp" bench "$moe" --load-format dummy --device cuda --prompts 2 --max-tokens 64 --temperature 0
  run moe_b8_cuda 120 "$bin/vllm-cpp" bench-batching "$moe" --load-format dummy --device cuda --requests 8 --max-tokens 64 --temperature 0
  run moe_b1_cpu 200 env VLLM_CPP_PROFILE=1 "$bin/vllm-cpp" bench "$moe" --load-format dummy --device cpu --prompts 1 --max-tokens 32 --temperature 0
  for f in "$out"/moe_*.log; do
    echo "== $(basename "$f")"; grep -iE "hardware|tok/s|decode|ttft|floor|experts|speedup" "$f" | head -12
  done
fi
case " $steps " in *" bench "*) ;; *) echo "== summary"; cat "$out/summary.txt"; exit 0 ;; esac
# The first figures: greedy single stream, then 5 and 64 concurrent, for each preset; one
# sampled (temperature 0.7) single-stream run; the CPU backend of this host for scale.
for m in mlx-community/Qwen3-0.6B-8bit mlx-community/Llama-3.2-1B-Instruct-4bit mlx-community/Llama-3.2-3B-Instruct-4bit; do
  n=$(basename "$m")
  run "b1_$n" 60 "$bin/vllm-cpp" bench "$m" --load-format dummy --device cuda --prompts 3 --max-tokens 256 --temperature 0
  run "b5_$n" 60 "$bin/vllm-cpp" bench-batching "$m" --load-format dummy --device cuda --requests 5 --max-tokens 128 --temperature 0
  run "b64_$n" 60 "$bin/vllm-cpp" bench-batching "$m" --load-format dummy --device cuda --requests 64 --max-tokens 128 --temperature 0
done
# The same runs without decode graphs (--enforce-eager), for the graphs' share.
run "b1e_Qwen3-0.6B-8bit" 60 "$bin/vllm-cpp" bench "$model" --load-format dummy --device cuda --prompts 3 --max-tokens 256 --temperature 0 --enforce-eager
run "b64e_Qwen3-0.6B-8bit" 60 "$bin/vllm-cpp" bench-batching "$model" --load-format dummy --device cuda --requests 64 --max-tokens 128 --temperature 0 --enforce-eager
run "b64p_Qwen3-0.6B-8bit" 90 env VLLM_CPP_PROFILE=1 "$bin/vllm-cpp" bench-batching "$model" --load-format dummy --device cuda --requests 64 --max-tokens 128 --temperature 0
run bench_cuda_t07 50 "$bin/vllm-cpp" bench "$model" --load-format dummy --device cuda --prompts 3 --max-tokens 256
run bench_cpu 40 "$bin/vllm-cpp" bench "$model" --load-format dummy --device cpu --prompts 2 --max-tokens 64
run cuda_bench 30 "$bin/cuda_bench" ${2:-}
for f in "$out"/b1_* "$out"/b1e_* "$out"/b5_* "$out"/b64_* "$out"/b64e_* "$out"/bench_cuda_t07.log "$out"/bench_cpu.log; do
  echo "== $(basename "$f")"; grep -iE "hardware|tok/s|gen|decode|ttft|batch|single|speedup" "$f" | head -10
done
tail -25 "$out/cuda_bench.log"
echo "== 64 concurrent, eager, per-op profile"; tail -30 "$out/b64p_Qwen3-0.6B-8bit.log"
echo "== summary"
cat "$out/summary.txt"
