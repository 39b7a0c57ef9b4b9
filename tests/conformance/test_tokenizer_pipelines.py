"""Parity with HF `tokenizers` for pipeline components the two real tokenizers don't use.

Each case builds a tokenizer with the HF library itself (training a small BPE on the
parity corpus, so merges are real), saves its tokenizer.json, and compares vllm-cpp's
encode and decode on the whole corpus: SentencePiece-style (Prepend/Replace normalizers,
byte_fallback, fused unk, ByteFallback/Fuse/Strip decoders, BOS+EOS templates),
Metaspace with prepend_scheme, NFKC/NFD/Lowercase, Digits, every Split behaviour with
invert, GPT-2 ByteLevel with add_prefix_space, subword prefix/suffix, added tokens with
lstrip/rstrip/single_word/normalized, and Llama 3 with a BOS TemplateProcessing.
"""

import json
import random

import pytest

from test_tokenizer_parity import CORPUS, SEED, assert_same, model_dir, run_tokenize

from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,
                        pre_tokenizers, processors, trainers)

TRAIN = CORPUS[:3000]
EVAL = CORPUS  # includes the 100k-char document


def train(tok, vocab_size=1500, **trainer_kwargs):
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                  special_tokens=["<unk>", "<s>", "</s>"], **trainer_kwargs)
    tok.train_from_iterator(TRAIN, trainer=trainer)
    return tok


def add_byte_fallback_tokens(tok):
    """Appends <0x00>..<0xFF> to the model vocab (as Llama 2 has them) and reloads."""
    spec = json.loads(tok.to_str())
    vocab = spec["model"]["vocab"]
    next_id = max(max(vocab.values()), max(t["id"] for t in spec["added_tokens"])) + 1
    for b in range(256):
        name = f"<0x{b:02X}>"
        if name not in vocab:
            vocab[name] = next_id
            next_id += 1
    return Tokenizer.from_str(json.dumps(spec))


def sentencepiece_style():
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = pre_tokenizers.Split("▁", behavior="merged_with_next")
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(),
                                     decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    train(tok, limit_alphabet=200)  # a small alphabet so byte_fallback and unk really occur
    tok = add_byte_fallback_tokens(tok)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A", pair="<s> $A $B", special_tokens=[("<s>", tok.token_to_id("<s>"))])
    return tok


def metaspace_nfkc_lowercase_digits():
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True),
        pre_tokenizers.Digits(individual_digits=True)])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    train(tok)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", tok.token_to_id("<s>")), ("</s>", tok.token_to_id("</s>"))])
    return tok


def gpt2_style_with_added_tokens():
    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFD()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    train(tok, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.add_tokens([AddedToken("hello", single_word=True, normalized=True),
                    AddedToken("wor", single_word=False, lstrip=True, normalized=False),
                    AddedToken("ld!", rstrip=True, normalized=False),
                    AddedToken("café", normalized=True)])
    tok.add_special_tokens([AddedToken("[MASK]", lstrip=True, rstrip=True),
                            AddedToken("<|im_start|>")])
    return tok


def subword_prefix_suffix():
    tok = Tokenizer(models.BPE(unk_token="<unk>", continuing_subword_prefix="##",
                               end_of_word_suffix="</w>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.Fuse()
    train(tok, continuing_subword_prefix="##", end_of_word_suffix="</w>")
    return tok


def split_behaviour(behavior, invert):
    def build():
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"\d+|\s+|[.,!?]"), behavior=behavior, invert=invert),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        train(tok, vocab_size=800, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        return tok
    return build


def llama3_with_bos_template():
    directory = model_dir("llama3")
    spec = json.loads((directory / "tokenizer.json").read_text())
    # The official Meta file's post-processor: ByteLevel, then BOS via a template.
    spec["post_processor"] = {"type": "Sequence", "processors": [
        spec["post_processor"],
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                    {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}},
                  {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                  {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [128000],
                                                  "tokens": ["<|begin_of_text|>"]}}}]}
    return Tokenizer.from_str(json.dumps(spec))


CASES = {
    "sentencepiece_style": sentencepiece_style,
    "metaspace_nfkc_lowercase_digits": metaspace_nfkc_lowercase_digits,
    "gpt2_style_with_added_tokens": gpt2_style_with_added_tokens,
    "subword_prefix_suffix": subword_prefix_suffix,
    "llama3_with_bos_template": llama3_with_bos_template,
}
for _b in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
    for _inv in [False, True]:
        CASES[f"split_{_b}{'_invert' if _inv else ''}"] = split_behaviour(_b, _inv)


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, tmp_path_factory):
    tok = CASES[request.param]()
    directory = tmp_path_factory.mktemp(request.param)
    tok.save(str(directory / "tokenizer.json"))
    # Reload from the file so the reference sees exactly what vllm-cpp reads.
    return request.param, Tokenizer.from_file(str(directory / "tokenizer.json")), directory


def test_encode(case):
    name, hf, directory = case
    expected = [e.ids for e in hf.encode_batch(EVAL, add_special_tokens=True)]
    assert_same(f"{name} encode", EVAL, expected, run_tokenize(directory, EVAL))
    expected = [e.ids for e in hf.encode_batch(EVAL[::4], add_special_tokens=False)]
    assert_same(f"{name} encode (no special)", EVAL[::4], expected,
                run_tokenize(directory, EVAL[::4], "--no-add-special-tokens"))


def test_decode(case):
    name, hf, directory = case
    ids = [e.ids for e in hf.encode_batch(EVAL[:2000])]
    rng = random.Random(SEED + 2)
    vocab = hf.get_vocab_size(with_added_tokens=True)
    ids += [[rng.randrange(vocab) for _ in range(rng.randint(1, 25))] for _ in range(1000)]
    for skip in (False, True):
        expected = hf.decode_batch(ids, skip_special_tokens=skip)
        flags = ["--decode"] + (["--skip-special-tokens"] if skip else [])
        assert_same(f"{name} decode skip={skip}", ids, expected, run_tokenize(directory, ids, *flags))


def test_streaming_detokenizer(case):
    """vllm-cpp's IncrementalDetokenizer: the deltas join to HF's decode of all ids, and no
    delta is cut inside a character (a U+FFFD appears only where HF's decode has one)."""
    name, hf, directory = case
    ids = [e.ids for e in hf.encode_batch(EVAL[:1000])]
    rng = random.Random(SEED + 3)
    vocab = hf.get_vocab_size(with_added_tokens=True)
    ids += [[rng.randrange(vocab) for _ in range(rng.randint(1, 25))] for _ in range(500)]
    for skip in (False, True):
        flags = ["--decode", "--stream"] + (["--skip-special-tokens"] if skip else [])
        streams = run_tokenize(directory, ids, *flags)
        expected = hf.decode_batch(ids, skip_special_tokens=skip)
        assert_same(f"{name} stream skip={skip}", ids, expected, ["".join(s) for s in streams])
        for deltas, full in zip(streams, expected):
            assert sum(d.count("\ufffd") for d in deltas) == full.count("\ufffd")
