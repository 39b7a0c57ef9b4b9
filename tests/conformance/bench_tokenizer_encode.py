"""Single-thread encode throughput (MB/s) of vllm-cpp vs HF `tokenizers`. Not a test.

  VLLM_CPP_BIN=build/vllm-cpp .venv/bin/python tests/conformance/bench_tokenizer_encode.py [--passes N]

Both sides encode the same documents one at a time on one thread, N passes, best pass
reported (the per-word caches of both warm up in the first pass). Two workloads: the
parity test's adversarial corpus and plain English prose (code/JSON/multilingual mixed).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ["TOKENIZERS_PARALLELISM"] = "false"  # single thread on the HF side too
import tokenizers  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_tokenizer_parity import CORPUS, MODELS, REPO  # noqa: E402

PROSE = (
    "The committee met on Tuesday to review the budget for the coming year. After a long "
    "discussion about infrastructure, the members agreed that the bridge repairs could not "
    "wait any longer, and they voted to move funds from the parks program. \"We don't have "
    "a choice,\" said the chair. \"If we wait, it'll cost twice as much.\" Residents who "
    "attended asked about the timeline; the engineer estimated 18 months and $4.2 million.\n"
)


def hf_seconds(tok, docs, passes):
    best = float("inf")
    for _ in range(passes):
        t0 = time.perf_counter()
        for d in docs:
            tok.encode(d)
        best = min(best, time.perf_counter() - t0)
    return best


def ours_seconds(binary, directory, docs, passes):
    proc = subprocess.run([binary, "tokenize", str(directory), "--bench", str(passes)],
                          input=json.dumps(docs).encode(), capture_output=True, check=True)
    return json.loads(proc.stdout)["seconds"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    binary = os.environ.get("VLLM_CPP_BIN", str(REPO / "build/vllm-cpp"))
    workloads = {
        "adversarial corpus": CORPUS,
        "english prose": [PROSE * 20] * 200,
    }
    print("| Tokenizer | Workload | MB | HF tokenizers MB/s | vllm-cpp MB/s | Ratio |")
    print("|---|---|---|---|---|---|")
    for name, directory in MODELS.items():
        tok = tokenizers.Tokenizer.from_file(str(directory / "tokenizer.json"))
        for wname, docs in workloads.items():
            mb = sum(len(d.encode()) for d in docs) / 1e6
            hf = mb / hf_seconds(tok, docs, args.passes)
            ours = mb / ours_seconds(binary, directory, docs, args.passes)
            print(f"| {name} | {wname} | {mb:.2f} | {hf:.2f} | {ours:.2f} | {ours / hf:.2f}x |")


if __name__ == "__main__":
    main()
