#include "grammar/grammar_vocab.h"

#include <string>

#include "llguidance.h"

namespace vllm {

std::string GrammarTokenBytes(const Tokenizer& tokenizer, int32_t id) {
  if (id < 0 || id >= tokenizer.vocab_size()) return "";
  std::string name = tokenizer.IdToToken(id);
  if (name.empty()) return "";
  if (tokenizer.IsSpecial(id)) return "\xff" + name;
  if (const std::string* bytes = tokenizer.ByteLevelBytes(id)) return *bytes;
  if (tokenizer.decoder_has_byte_fallback() && name.size() == 6 && name.rfind("<0x", 0) == 0 && name[5] == '>') {
    return std::string(1, static_cast<char>(std::stoi(name.substr(3, 2), nullptr, 16)));
  }
  // SentencePiece metaspace: "▁" (U+2581, e2 96 81) is a space in the text.
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name.compare(i, 3, "\xe2\x96\x81") == 0) {
      out += ' ';
      i += 2;
    } else {
      out += name[i];
    }
  }
  return out;
}

Result<std::unique_ptr<GrammarVocab>> GrammarVocab::Create(const Tokenizer& tokenizer, int64_t vocab_size,
                                                           std::span<const int32_t> eos_ids) {
  if (eos_ids.empty()) return InvalidArgument("constrained decoding needs an EOS token; this model has none");
  if (vocab_size <= 0 || vocab_size > (int64_t{1} << 30)) return InvalidArgument("bad vocabulary size");
  std::vector<uint32_t> lens(static_cast<size_t>(vocab_size));
  std::string bytes;
  for (int64_t id = 0; id < vocab_size; ++id) {
    const std::string b = GrammarTokenBytes(tokenizer, static_cast<int32_t>(id));
    lens[static_cast<size_t>(id)] = static_cast<uint32_t>(b.size());
    bytes += b;
  }
  std::vector<uint32_t> extra_eos;
  for (size_t i = 1; i < eos_ids.size(); ++i) extra_eos.push_back(static_cast<uint32_t>(eos_ids[i]));
  LlgTokenizerInitV2 init = {};
  init.struct_size = sizeof(init);
  init.vocab_size = static_cast<uint32_t>(vocab_size);
  init.tok_eos = static_cast<uint32_t>(eos_ids[0]);
  init.token_lens = lens.data();
  init.token_bytes = reinterpret_cast<const uint8_t*>(bytes.data());
  // The grammar never asks us to tokenize text (no forced-token prompts, no healing), so the
  // library's greedy tokenizer stands in for ours.
  init.use_approximate_greedy_tokenize_fn = true;
  init.tok_eos_extra = extra_eos.empty() ? nullptr : extra_eos.data();
  init.tok_eos_extra_count = static_cast<uint32_t>(extra_eos.size());
  char error[1024] = {};
  LlgTokenizer* llg = llg_new_tokenizer_v2(&init, error, sizeof(error));
  if (llg == nullptr) return InvalidArgument(std::string("building the grammar vocabulary: ") + error);
  auto v = std::unique_ptr<GrammarVocab>(new GrammarVocab());
  v->llg_ = llg;
  v->vocab_size_ = vocab_size;
  v->eos_ids_.assign(eos_ids.begin(), eos_ids.end());
  return v;
}

GrammarVocab::~GrammarVocab() { llg_free_tokenizer(llg_); }

}  // namespace vllm
