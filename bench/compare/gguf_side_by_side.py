#!/usr/bin/env python3
"""vllm-cpp and llama.cpp (node-llama-cpp 3.21.1, prebuilt; deps/) on one GGUF, one run:
greedy ids of N tokens for the prompts of tests/conformance/test_gguf_llama_cpp_greedy.py,
how many agree, and decode / prefill tok/s of each (2 threads each, one after the other).

  .venv/bin/python bench/compare/gguf_side_by_side.py [--model deps/gemma3/gemma-3-270m-q4_k_m.gguf]
      [--bin build/vllm-cpp] [--tokens 32] [--threads 2] [--long-prompt 512]"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "conformance"))

from test_gguf_llama_cpp_greedy import PROMPTS  # noqa: E402
from test_gguf_tokenizer import llama_cpp_request  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=str(REPO / "deps/gemma3/gemma-3-270m-q4_k_m.gguf"))
    ap.add_argument("--bin", default=str(REPO / "build/vllm-cpp"))
    ap.add_argument("--tokens", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--long-prompt", type=int, default=512, help="prefill timing prompt length (tokens)")
    a = ap.parse_args()
    tmp = Path(tempfile.gettempdir())
    ids = [[2] + x for x in llama_cpp_request(
        {"op": "tokenize", "model": a.model, "texts": PROMPTS, "special": True}, tmp)["ids"]]
    long_ids = [2] + (ids[1][1:] * 200)[: a.long_prompt - 1]
    theirs = llama_cpp_request({"op": "greedy", "model": a.model, "prompts": ids, "n": a.tokens,
                                "threads": a.threads}, tmp)
    their_long = llama_cpp_request({"op": "greedy", "model": a.model, "prompts": [long_ids], "n": 2,
                                    "threads": a.threads}, tmp)
    equal, dec, pre = 0, [], []
    for p, t in zip(ids, theirs["ids"]):
        r = subprocess.run([a.bin, "generate", a.model, "--prompt-ids", ",".join(map(str, p)), "--max-tokens",
                            str(a.tokens), "--temperature", "0", "--ignore-eos", "--json", "--threads",
                            str(a.threads)], capture_output=True, text=True, check=True)
        js = json.loads(r.stdout)
        equal += js["token_ids"] == t
        dec.append(js["tokens_per_s"])
    r = subprocess.run([a.bin, "generate", a.model, "--prompt-ids", ",".join(map(str, long_ids)), "--max-tokens",
                        "2", "--temperature", "0", "--json", "--threads", str(a.threads)],
                       capture_output=True, text=True, check=True)
    pre = json.loads(r.stdout)["prompt_tokens_per_s"]
    print(f"greedy {a.tokens} tokens: {equal}/{len(ids)} prompts equal")
    print(f"vllm-cpp : decode {sum(dec) / len(dec):.1f} tok/s, prefill ({len(long_ids)} tokens) {pre:.1f} tok/s")
    print(f"llama.cpp: decode {theirs['tokens_per_s']:.1f} tok/s, prefill ({len(long_ids)} tokens) "
          f"{their_long['prompt_tokens_per_s']:.1f} tok/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
