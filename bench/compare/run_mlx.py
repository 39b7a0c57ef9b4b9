"""mlx-lm on the MLX CPU backend: W warmups + R timed greedy generations of a fixed prompt.

Timing (the same definition as `vllm-cpp generate` and run_llama.py), wall clock around
mlx_lm.generate.generate_step (the loop stream_generate wraps, minus its EOS stop, so EOS is ignored):
  TTFT   = t(first token id received) - t(call);   prefill tok/s = prompt tokens / TTFT
  decode = (generated - 1) / (t(last token received) - t(first token received))
generate_step pipelines one step ahead (async_eval), as it does for every mlx-lm user.
MLX has no thread-count knob: its CPU backend runs its own kernels (and the reference BLAS it bundles);
OMP/OPENBLAS thread variables are set by the caller for what they are worth.

Run with <repo>/.venv/bin/python:
  python run_mlx.py MODEL_DIR PROMPT_IDS_JSON MAX_TOKENS REPEATS WARMUPS OUT_DIR
Prints one JSON object on stdout; writes OUT_DIR/mlx-lm.logits.npy (log-probs at the last prompt
position, from the first run).
"""

import json
import sys
import time

import mlx.core as mx

mx.set_default_device(mx.cpu)  # before mlx_lm creates its generation stream

import mlx_lm  # noqa: E402
import numpy as np  # noqa: E402
from mlx_lm.generate import generate_step  # noqa: E402
from timing import run_record  # noqa: E402


def one_run(model, ids, max_tokens):
    prompt = mx.array(ids, dtype=mx.uint32)
    tokens, first_logprobs = [], None
    t0 = time.perf_counter()
    t_first = t_last = t0
    for i, (tok, logprobs) in enumerate(generate_step(prompt, model, max_tokens=max_tokens)):
        t_last = time.perf_counter()
        if i == 0:
            t_first, first_logprobs = t_last, logprobs
        tokens.append(int(tok))
    mx.synchronize()  # the step generate_step scheduled past the last token: outside the timing
    return dict(run_record(len(ids), tokens, t0, t_first, t_last), prompt_tokens=int(prompt.size)), first_logprobs


def main():
    model_dir, ids_path, max_tokens, repeats, warmups, out_dir = sys.argv[1:7]
    ids = json.load(open(ids_path))
    model, _ = mlx_lm.load(model_dir)
    runs, warm = [], None
    for r in range(int(warmups) + int(repeats)):
        run, logprobs = one_run(model, ids, int(max_tokens))
        if r == 0:
            np.save(f"{out_dir}/mlx-lm.logits.npy", np.array(logprobs.astype(mx.float32)))
        if r < int(warmups):
            warm = run
            continue
        runs.append(run)
        print(f"[mlx-lm] run {r + 1}: TTFT {runs[-1]['ttft_ms']:.0f} ms, decode {runs[-1]['decode_tps']:.2f} tok/s",
              file=sys.stderr)
    print(json.dumps({"engine": "mlx-lm", "version": f"mlx-lm {mlx_lm.__version__}, mlx {mx.__version__} (cpu)",
                      "prompt_tokens": len(ids), "warmup": warm or runs[0], "runs": runs}))


if __name__ == "__main__":
    main()
