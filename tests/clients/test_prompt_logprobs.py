"""Prompt logprobs (issue #23, point 1): completions `echo` + `logprobs` (OpenAI's legacy
shape, what lm-evaluation-harness reads) and vLLM's `prompt_logprobs` on completions and chat,
held to a teacher-forced mlx-lm reference on a float32 tiny model with an f32 KV cache.

The prompt logprobs come from the prompt's own forward pass: every prompt row's logits are
computed only for such requests, at most 256 rows per engine step (a 300-token prompt crosses
that cap, so it is scored over several steps), and a prefix-cache hit must not skip rows."""

from __future__ import annotations

import math

import numpy as np
import openai
import pytest

from clients_helpers import F32_VARIANT, model_path, prompt_token_logprobs, reference_logprobs

TOL = 2e-3  # absolute, on logprobs of O(-10): f32 model + f32 KV cache vs the f32 reference

PROMPT = "The quick brown fox jumps over the lazy dog, and then the dog chases the fox around"


@pytest.fixture(scope="module")
def server(vllm_bin):
    from api_helpers import Server
    s = Server(vllm_bin, model_path(F32_VARIANT), ["--kv-cache-dtype", "f32"])
    yield s
    assert s.stop() == 0, s.log_text()


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=server.base_url + "/v1", api_key="unused")


def tokenize(server, text: str) -> list[int]:
    status, body = server.json("POST", "/tokenize", {"prompt": text})
    assert status == 200, body
    return body["tokens"]


def long_prompt_ids(n: int) -> list[int]:
    rng = np.random.default_rng(7)
    return [int(x) for x in rng.integers(100, 20000, size=n)]


def check_against_reference(ids: list[int], got: list[float]) -> None:
    ref = prompt_token_logprobs(ids)
    assert len(got) == len(ref)
    err = max(abs(a - b) for a, b in zip(got, ref))
    assert err < TOL, f"max |logprob - reference| = {err:.3g}"


def test_echo_logprobs_completions(server, client):
    ids = tokenize(server, PROMPT)
    r = client.completions.create(model="tiny-qwen3", prompt=PROMPT, max_tokens=1, logprobs=3, echo=True,
                                  temperature=0)
    c = r.choices[0]
    lp = c.logprobs
    P = len(ids)
    assert c.text.startswith(PROMPT)
    assert len(lp.tokens) == P + 1 and len(lp.token_logprobs) == P + 1
    assert "".join(lp.tokens[:P]) == PROMPT
    assert lp.token_logprobs[0] is None and lp.top_logprobs[0] is None
    check_against_reference(ids, lp.token_logprobs[1:P])
    ref = reference_logprobs(ids)
    for p in range(1, P):
        top = lp.top_logprobs[p]
        # top-3 plus the prompt token itself (OpenAI's "up to logprobs + 1" entries)
        assert 3 <= len(top) <= 4 and lp.tokens[p] in top
        best = np.sort(ref[p - 1])[::-1][:3]
        got = sorted(top.values(), reverse=True)[:3]
        assert np.allclose(got, best, atol=TOL), (p, got, best)
    assert lp.text_offset[:P] == [sum(len(t) for t in lp.tokens[:i]) for i in range(P)]
    assert r.usage.prompt_tokens == P and r.usage.completion_tokens == 1


def test_echo_logprobs_token_prompt_and_cache_hit(server):
    """A token-id prompt; the second request finds the prompt in the prefix cache and must
    still score every row (and equally)."""
    ids = long_prompt_ids(300)  # over the 256 prompt-logits rows of one step
    body = {"model": "tiny-qwen3", "prompt": ids, "max_tokens": 1, "logprobs": 1, "echo": True, "temperature": 0}
    got = []
    for _ in range(2):
        status, r = server.json("POST", "/v1/completions", body)
        assert status == 200, r
        got.append(r["choices"][0]["logprobs"]["token_logprobs"])
    assert got[0][0] is None and len(got[0]) == 301
    check_against_reference(ids, got[0][1:300])
    assert got[1] == got[0]


def test_echo_logprobs_max_tokens_zero_and_n(server):
    ids = long_prompt_ids(40)
    status, r = server.json("POST", "/v1/completions", {"model": "tiny-qwen3", "prompt": [ids, ids[:20]],
                                                        "max_tokens": 0, "logprobs": 0, "echo": True})
    assert status == 200, r
    assert [len(c["logprobs"]["token_logprobs"]) for c in r["choices"]] == [40, 20]
    check_against_reference(ids, r["choices"][0]["logprobs"]["token_logprobs"][1:])
    assert r["choices"][1]["logprobs"]["token_logprobs"][1:] == r["choices"][0]["logprobs"]["token_logprobs"][1:20]
    assert all(len(t) == 1 for t in r["choices"][0]["logprobs"]["top_logprobs"][1:])  # top-0 + the token


def test_vllm_prompt_logprobs_completions(server):
    ids = long_prompt_ids(30)
    status, r = server.json("POST", "/v1/completions", {"model": "tiny-qwen3", "prompt": ids, "max_tokens": 2,
                                                        "prompt_logprobs": 2, "temperature": 0})
    assert status == 200, r
    pl = r["choices"][0]["prompt_logprobs"]
    assert r["choices"][0]["logprobs"] is None
    assert len(pl) == 30 and pl[0] is None
    ref = reference_logprobs(ids)
    for p in range(1, 30):
        row = ref[p - 1]
        entry = pl[p][str(ids[p])]
        assert abs(entry["logprob"] - row[ids[p]]) < TOL
        # rank = 1 + tokens with a larger logit; near-ties (within TOL) may fall either way
        lo = int(np.sum(row > row[ids[p]] + TOL))
        hi = int(np.sum(row > row[ids[p]] - TOL)) - 1
        assert lo <= entry["rank"] - 1 <= max(lo, hi), (p, entry, lo, hi)
        # the two most likely tokens, ranked 1 and 2, plus the prompt token when it is neither
        order = np.argsort(-row)
        top2 = {str(int(order[0])): 1, str(int(order[1])): 2}
        assert row[order[1]] - row[order[2]] > TOL, "near-tie at rank 2: pick another seed"
        assert len(pl[p]) == (2 if str(ids[p]) in top2 else 3)
        for k, rank in top2.items():
            assert pl[p][k]["rank"] == rank and abs(pl[p][k]["logprob"] - row[int(k)]) < TOL
        assert all(isinstance(v["decoded_token"], str) for v in pl[p].values())


def test_vllm_prompt_logprobs_chat(server, client):
    messages = [{"role": "user", "content": "Say something about foxes."}]
    status, body = server.json("POST", "/tokenize", {"messages": messages})
    assert status == 200, body
    ids = body["tokens"]
    r = client.chat.completions.create(model="tiny-qwen3", messages=messages, max_tokens=3, temperature=0,
                                       extra_body={"prompt_logprobs": 1})
    pl = r.model_extra["prompt_logprobs"]
    assert len(pl) == len(ids) == r.usage.prompt_tokens and pl[0] is None
    check_against_reference(ids, [pl[p][str(ids[p])]["logprob"] for p in range(1, len(ids))])


def test_echo_logprobs_stream_matches_non_stream(server, client):
    kw = dict(model="tiny-qwen3", prompt=PROMPT, max_tokens=4, logprobs=2, echo=True, temperature=0)
    whole = client.completions.create(**kw).choices[0]
    tokens, lps, text = [], [], ""
    for chunk in client.completions.create(stream=True, **kw):
        for c in chunk.choices:
            text += c.text
            if c.logprobs:
                tokens += c.logprobs.tokens
                lps += c.logprobs.token_logprobs
    assert text == whole.text
    assert tokens == whole.logprobs.tokens
    assert lps[0] is None and lps[1:] == whole.logprobs.token_logprobs[1:]


def test_prompt_logprobs_errors(server):
    for body, field in [({"prompt": "x", "prompt_logprobs": 21}, "prompt_logprobs"),
                        ({"prompt": "x", "prompt_logprobs": 1, "stream": True}, "stream"),
                        ({"prompt": "x", "logprobs": 21, "echo": True}, "logprobs")]:
        status, r = server.json("POST", "/v1/completions", {"model": "tiny-qwen3", **body})
        assert status == 400 and field in r["error"]["message"], r


def test_concurrent_prompt_logprobs_match_alone(server):
    """Several scoring requests batched together equal each one alone (rows of different
    sequences stay apart in the step's logits)."""
    import concurrent.futures
    prompts = [long_prompt_ids(n)[::-1] for n in (17, 64, 129, 260)]

    def score(ids):
        s, r = server.json("POST", "/v1/completions", {"model": "tiny-qwen3", "prompt": ids, "max_tokens": 1,
                                                       "logprobs": 0, "echo": True, "temperature": 0})
        assert s == 200, r
        return r["choices"][0]["logprobs"]["token_logprobs"]

    alone = [score(p) for p in prompts]
    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        together = list(ex.map(score, prompts))
    for a, b, ids in zip(alone, together, prompts):
        assert len(a) == len(ids) + 1
        assert max(abs(x - y) for x, y in zip(a[1:-1], b[1:-1])) < 1e-4
        assert not any(math.isnan(x) for x in a[1:])
