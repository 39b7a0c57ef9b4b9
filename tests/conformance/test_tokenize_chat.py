"""`vllm-cpp tokenize DIR --chat FILE` against transformers' apply_chat_template, live.

The rendered prompt must equal apply_chat_template(..., tokenize=False) and the ids must equal
apply_chat_template(..., tokenize=True) for the real Qwen3 and Llama 3 tokenizers.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from transformers import AutoTokenizer

CONVERSATIONS = [
    {"messages": [{"role": "user", "content": "Hello!"}]},
    {"messages": [{"role": "system", "content": "You are terse."},
                  {"role": "user", "content": "2+2?"},
                  {"role": "assistant", "content": "4"},
                  {"role": "user", "content": "Explain  step\tby step: 東京 🚀"}]},
    {"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": False},
    {"messages": [{"role": "user", "content": "Think?"}], "chat_template_kwargs": {"enable_thinking": False}},
    {"messages": [{"role": "user", "content": "Weather in Paris?"}],
     "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                                  "parameters": {"type": "object",
                                                                 "properties": {"city": {"type": "string"}},
                                                                 "required": ["city"]}}}]},
]


@pytest.mark.parametrize("family", ["qwen", "llama"])
@pytest.mark.parametrize("case", range(len(CONVERSATIONS)))
def test_chat_render_and_ids_match_transformers(family, case, tokenizer_dirs, vllm_bin, tmp_path):
    conv = CONVERSATIONS[case]
    tok_dir = tokenizer_dirs[family]
    hf = AutoTokenizer.from_pretrained(str(tok_dir))
    kwargs = dict(conv.get("chat_template_kwargs", {}))
    add_gen = conv.get("add_generation_prompt", True)
    want_text = hf.apply_chat_template(conv["messages"], tools=conv.get("tools"), add_generation_prompt=add_gen,
                                       tokenize=False, **kwargs)
    want_ids = hf.apply_chat_template(conv["messages"], tools=conv.get("tools"), add_generation_prompt=add_gen,
                                      tokenize=True, return_dict=False, **kwargs)
    if isinstance(want_ids, dict):
        want_ids = want_ids["input_ids"]
    path = tmp_path / "conv.json"
    path.write_text(json.dumps(conv))
    r = subprocess.run([str(vllm_bin), "tokenize", str(tok_dir), "--chat", str(path)], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["prompt"] == want_text
    assert got["ids"] == list(want_ids)


def test_chat_errors_are_one_line(tokenizer_dirs, vllm_bin, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"messages": "not a list"}))
    r = subprocess.run([str(vllm_bin), "tokenize", str(tokenizer_dirs["qwen"]), "--chat", str(path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "'messages' must be an array" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
