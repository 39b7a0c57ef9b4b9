"""lm-evaluation-harness against `vllm-cpp serve` (issue #23): `--model local-completions` scores
a small multiple-choice task from a local JSONL file (no dataset download) with exactly the
requests it sends to any OpenAI-compatible server ({"max_tokens": 1, "logprobs": 1, "echo":
true, "temperature": 0} over token-id prompts), and its per-choice log-likelihoods must equal
the sum of the continuation's prompt logprobs computed by the mlx-lm reference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import numpy as np

from clients_helpers import F32_VARIANT, model_path, reference_logprobs

DOCS = [
    {"question": "The capital of France is", "choices": ["Paris", "Berlin", "a small dog"], "answer": 0},
    {"question": "Two plus two equals", "choices": ["four", "five", "seven hundred"], "answer": 0},
    {"question": "Water freezes at zero degrees", "choices": ["Celsius", "Fahrenheit"], "answer": 0},
    {"question": "Q: Which animal barks?\nA:", "choices": [" the dog", " the cat", " the fish swims"], "answer": 0},
]

TASK = """task: tiny_mc
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{question}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: "{{{{answer}}}}"
target_delimiter: " "
metric_list:
  - metric: acc
"""


@pytest.fixture(scope="module")
def server(vllm_bin):
    from api_helpers import Server
    s = Server(vllm_bin, model_path(F32_VARIANT), ["--kv-cache-dtype", "f32"])
    yield s
    assert s.stop() == 0, s.log_text()


def encode_pair(tok, context: str, continuation: str):
    """lm-evaluation-harness's _encode_pair for causal models: trailing spaces of the context move
    to the continuation, the whole string is encoded once and split at the context's length."""
    n_spaces = len(context) - len(context.rstrip())
    if n_spaces > 0:
        continuation = context[-n_spaces:] + continuation
        context = context[:-n_spaces]
    whole = tok(context + continuation, add_special_tokens=False)["input_ids"]
    ctx = tok(context, add_special_tokens=False)["input_ids"]
    return ctx, whole[len(ctx):]


def test_lm_eval_local_completions_loglikelihoods(server, tmp_path):
    from transformers import AutoTokenizer

    data = tmp_path / "tiny_mc.jsonl"
    data.write_text("".join(json.dumps(d) + "\n" for d in DOCS))
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "tiny_mc.yaml").write_text(TASK.format(data=data))
    out = tmp_path / "out"
    env = dict(os.environ, HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               HF_DATASETS_CACHE=str(tmp_path / "datasets"))
    cmd = [sys.executable, "-m", "lm_eval", "--model", "local-completions",
           "--model_args", f"model=tiny-qwen3,base_url={server.base_url}/v1/completions,"
                           f"tokenizer_backend=huggingface,tokenizer={model_path(F32_VARIANT)},"
                           "num_concurrent=1,max_retries=1",
           "--tasks", "tiny_mc", "--include_path", str(tasks), "--output_path", str(out),
           "--log_samples", "--batch_size", "1"]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    samples = list(out.rglob("samples_tiny_mc_*.jsonl"))
    assert len(samples) == 1, list(out.rglob("*"))
    rows = [json.loads(line) for line in samples[0].read_text().splitlines()]
    assert len(rows) == len(DOCS)

    tok = AutoTokenizer.from_pretrained(str(model_path(F32_VARIANT)))
    checked = 0
    for row in rows:
        doc = DOCS[row["doc_id"]]
        args = [row["arguments"][k] for k in sorted(row["arguments"], key=lambda k: int(k.split("_")[-1]))]
        assert len(args) == len(doc["choices"]) == len(row["resps"])
        for arg, resp in zip(args, row["resps"]):
            context, continuation = arg["arg_0"], arg["arg_1"]
            ll, is_greedy = float(resp[0][0]), resp[0][1]  # the samples file holds them as strings
            ctx, cont = encode_pair(tok, context, continuation)
            ids = ctx + cont
            ref_all = reference_logprobs(ids)  # row p: log p(. | ids[:p + 1])
            rows = range(len(ctx) - 1, len(ids) - 1)
            ref = sum(float(ref_all[p, ids[p + 1]]) for p in rows)
            assert abs(ll - ref) < 2e-3 * max(1, len(cont)), (context, continuation, ll, ref)
            greedy = all(int(np.argmax(ref_all[p])) == ids[p + 1] for p in rows)
            assert is_greedy == str(greedy), (context, continuation, is_greedy)
            checked += 1
    assert checked == sum(len(d["choices"]) for d in DOCS)
