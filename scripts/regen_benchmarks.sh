#!/usr/bin/env bash
# Re-runs every benchmark command behind docs/BENCHMARKS.md and writes, per command and model,
# its printed report (.txt) and its --output JSON (.json), then the combined tables
# (tables.md, via scripts/bench_tables.py). Presets run with dummy weights; the seed models
# whose architecture is not implemented yet are run too and their one-line error is kept.
#
#   scripts/regen_benchmarks.sh [--full] [OUT_DIR]     (default OUT_DIR: bench-results/<date>)
#
# Default ("quick") settings are cut down so the whole run stays under ~15 minutes on a 2-core
# CPU with today's kernels (~10 min measured); --full uses the seed's settings (5 prompts x 256
# tokens, batches of 64 tokens, 20 paged-cache requests of 50 tokens, full-size scenarios). Environment: VLLM_CPP_BIN (default build/vllm-cpp), VLLM_CPP_THREADS
# (default: the binary's default, the physical cores).
set -uo pipefail

cd "$(dirname "$0")/.."
FULL=0
if [[ "${1:-}" == "--full" ]]; then FULL=1; shift; fi
OUT="${1:-bench-results/$(date +%Y%m%d-%H%M%S)}"
BIN="${VLLM_CPP_BIN:-build/vllm-cpp}"
[[ -x "$BIN" ]] || { echo "error: $BIN is not executable (make build first)" >&2; exit 1; }
THREADS=()
[[ -n "${VLLM_CPP_THREADS:-}" ]] && THREADS=(--threads "$VLLM_CPP_THREADS")
mkdir -p "$OUT"

# The seed's models, in the seed's order.
MODELS=(
  mlx-community/Qwen3-0.6B-8bit
  mlx-community/Llama-3.2-1B-Instruct-4bit
  mlx-community/Qwen2.5-1.5B-Instruct-4bit
  mlx-community/Llama-3.2-3B-Instruct-4bit
  mlx-community/Qwen3-30B-A3B-4bit
  NVIDIA-Nemotron-3-Nano-30B-A3B-MLX-6Bit
)
PREFIX_MODEL=mlx-community/Qwen3-0.6B-8bit

if (( FULL )); then
  BENCH=(--prompts 5 --max-tokens 256)
  BATCH=(--requests 5 --max-tokens 64)
  PAGED=()
else
  BENCH=(--prompts 5 --max-tokens 32)
  BATCH=(--requests 5 --max-tokens 32)
  PAGED=(--requests 10 --max-tokens 8 --scenario-scale 0.5)
fi

LOG="$OUT/commands.log"
: > "$LOG"
# run NAME CMD...: report -> $OUT/NAME.txt, JSON -> $OUT/NAME.json, command + time + status -> commands.log
run() {
  local name="$1"; shift
  local t0=$SECONDS
  echo "\$ vllm-cpp $* ${THREADS[*]} --output $name.json" | tee -a "$LOG"
  "$BIN" "$@" "${THREADS[@]}" --output "$OUT/$name.json" > "$OUT/$name.txt" 2>&1
  local rc=$?
  echo "  -> exit $rc, $((SECONDS - t0)) s" | tee -a "$LOG"
  if (( rc != 0 )); then tail -1 "$OUT/$name.txt" | sed 's/^/     /' | tee -a "$LOG"; fi
}

T0=$SECONDS
# The first model's runs also draw their charts (--plot): docs/BENCHMARKS.md shows them.
PLOT_MODEL=${MODELS[0]}
for m in "${MODELS[@]}"; do
  plot=(); [[ "$m" == "$PLOT_MODEL" ]] && plot=(--plot "$OUT/bench__${m##*/}.svg")
  run "bench__${m##*/}" bench --model "$m" --load-format dummy "${BENCH[@]}" "${plot[@]}"
done
for m in "${MODELS[@]}"; do
  plot=(); [[ "$m" == "$PLOT_MODEL" ]] && plot=(--plot "$OUT/bench-batching__${m##*/}.svg")
  run "bench-batching__${m##*/}" bench-batching --model "$m" --load-format dummy "${BATCH[@]}" "${plot[@]}"
done
run "bench-prefix-cache__${PREFIX_MODEL##*/}" bench-prefix-cache --model "$PREFIX_MODEL" --load-format dummy
run "bench-paged-cache__${PREFIX_MODEL##*/}" bench-paged-cache --model "$PREFIX_MODEL" --load-format dummy "${PAGED[@]}"
echo "total: $((SECONDS - T0)) s ($([[ $FULL == 1 ]] && echo full || echo quick) settings)" | tee -a "$LOG"

python3 scripts/bench_tables.py "$OUT" > "$OUT/tables.md" && echo "tables: $OUT/tables.md"
