"""llama.cpp through llama-cpp-python: one warmup + R timed greedy generations of a fixed prompt.

The prompt ids go straight to Llama.eval (no tokenization, no BOS added), in one batch
(n_batch = n_ubatch >= prompt length); each next token is the argmax of llama_get_logits, fed back
with eval([token]) (EOS ignored). Timing is wall clock, the same definition as `vllm-cpp generate`:
  TTFT   = t(first token chosen) - t(eval(prompt) called);   prefill tok/s = prompt tokens / TTFT
  decode = (generated - 1) / (t(last token chosen) - t(first token chosen))
llama.cpp's own perf counters (prompt eval / eval ms) are kept in the JSON next to them.

Run with build/compare/venv/bin/python: python run_llama.py GGUF PROMPT_IDS_JSON MAX_TOKENS REPEATS THREADS OUT_DIR
Prints one JSON object on stdout; writes OUT_DIR/llama.cpp.logits.npy (last prompt position).
"""

import json
import sys
import time

import llama_cpp
import numpy as np
from llama_cpp import Llama
from timing import run_record


def one_run(llm, ids, max_tokens):
    n_vocab = llm.n_vocab()

    def logits():
        return np.ctypeslib.as_array(llm._ctx.get_logits(), shape=(n_vocab,))

    llm.reset()  # n_tokens = 0: eval() drops the whole KV cache first
    llama_cpp.llama_perf_context_reset(llm.ctx)
    tokens = []
    t0 = time.perf_counter()
    llm.eval(ids)
    first_logits = logits().copy()
    tokens.append(int(np.argmax(first_logits)))
    t_first = time.perf_counter()
    for _ in range(max_tokens - 1):
        llm.eval([tokens[-1]])
        tokens.append(int(np.argmax(logits())))
    t_last = time.perf_counter()
    perf = llama_cpp.llama_perf_context(llm.ctx)
    return dict(run_record(len(ids), tokens, t0, t_first, t_last),
                perf={"t_p_eval_ms": perf.t_p_eval_ms, "n_p_eval": perf.n_p_eval,
                      "t_eval_ms": perf.t_eval_ms, "n_eval": perf.n_eval}), first_logits


def main():
    gguf_path, ids_path, max_tokens, repeats, threads, out_dir = sys.argv[1:7]
    ids = json.load(open(ids_path))
    max_tokens, threads = int(max_tokens), int(threads)
    batch = max(512, len(ids))
    llm = Llama(model_path=gguf_path, n_ctx=len(ids) + max_tokens + 16, n_batch=batch, n_ubatch=batch,
                n_threads=threads, n_threads_batch=threads, logits_all=False, verbose=False)
    warm, logits = one_run(llm, ids, max_tokens)
    np.save(f"{out_dir}/llama.cpp.logits.npy", logits)
    runs = []
    for r in range(int(repeats)):
        runs.append(one_run(llm, ids, max_tokens)[0])
        print(f"[llama.cpp] run {r + 1}: TTFT {runs[-1]['ttft_ms']:.0f} ms, decode {runs[-1]['decode_tps']:.2f} tok/s",
              file=sys.stderr)
    sysinfo = llama_cpp.llama_print_system_info().decode(errors="replace").strip()
    print(json.dumps({"engine": "llama.cpp", "version": f"llama-cpp-python {llama_cpp.__version__}",
                      "system_info": sysinfo, "prompt_tokens": runs[-1]["perf"]["n_p_eval"] if runs else len(ids), "warmup": warm, "runs": runs}))


if __name__ == "__main__":
    main()
