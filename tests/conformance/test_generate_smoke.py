"""Smoke tests of `vllm-cpp generate`: text in / text out on a tiny checkpoint, and the built-in
preset with dummy weights."""

from __future__ import annotations

import math

import tiny_models
from harness import threads_args


def test_generate_text_prompt_tiny_q4(cli, model_cache):
    """--prompt "Hello" streams text and exits 0 (the tiny model's text is gibberish, but its
    8 tokens decode to something non-empty: it has no EOS bias, and whitespace-only output of
    8 random tokens is implausible with a 150k vocabulary)."""
    model_dir = model_cache.path(tiny_models.SMOKE_VARIANT)
    res = cli("generate", model_dir, "--prompt", "Hello", "--max-tokens", "8", *threads_args(), timeout=120)
    assert res.returncode == 0, res.describe()
    assert res.stdout.strip(), f"no text printed\n{res.describe()}"
    assert "Traceback" not in res.stderr and "Aborted" not in res.stderr, res.describe()


def test_generate_text_prompt_matches_prompt_ids(cli, model_cache):
    """--prompt TEXT is tokenized like HF tokenizers does: greedy --json output equals that of
    --prompt-ids with the reference ids."""
    from tokenizers import Tokenizer

    model_dir = model_cache.path(tiny_models.SMOKE_VARIANT)
    text = "Hello, my name is"
    ids = Tokenizer.from_file(str(model_dir / "tokenizer.json")).encode(text).ids
    a = cli("generate", model_dir, "--prompt", text, "--max-tokens", "6", "--ignore-eos", "--json",
            *threads_args(), timeout=120)
    b = cli("generate", model_dir, "--prompt-ids", ",".join(map(str, ids)), "--max-tokens", "6",
            "--ignore-eos", "--json", *threads_args(), timeout=120)
    assert a.returncode == 0, a.describe()
    assert b.returncode == 0, b.describe()
    ja, jb = a.json(), b.json()
    assert ja["prompt_token_ids"] == ids, f"--prompt tokenized to {ja['prompt_token_ids']}, HF gives {ids}"
    assert ja["token_ids"] == jb["token_ids"] and len(ja["token_ids"]) == 6, (ja, jb)


def test_generate_preset_dummy_weights(cli):
    """The Qwen3-0.6B-8bit preset with random weights: 16 tokens, finite logits."""
    res = cli("generate", "mlx-community/Qwen3-0.6B-8bit", "--load-format", "dummy",
              "--prompt", "Hello, my name is", "--max-tokens", "16", "--ignore-eos", "--json",
              *threads_args(), timeout=300)
    assert res.returncode == 0, res.describe()
    js = res.json()
    toks = js.get("token_ids")
    assert isinstance(toks, list) and len(toks) == 16, f"want 16 token ids, got {toks!r}"
    assert all(isinstance(t, int) and 0 <= t < 151936 for t in toks), toks
    if "logits_finite" in js:
        assert js["logits_finite"] is True, js
    for k in ("ttft_ms", "tokens_per_s"):
        if k in js:
            assert isinstance(js[k], (int, float)) and math.isfinite(js[k]), (k, js[k])
