#include "tokenizer/gguf_tokenizer.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

namespace vllm {

using nlohmann::json;

namespace {

// llama.cpp's token types (tokenizer.ggml.token_type).
enum TokenType { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

const char kSpace[] = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Byte offsets where each UTF-8 character of s starts (and s.size()).
std::vector<size_t> CharStarts(const std::string& s) {
  std::vector<size_t> starts;
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  starts.push_back(s.size());
  return starts;
}

// SentencePiece's merges as BPE merges: every split (a, b) of each token with both halves in
// the vocabulary, ranked by the token's score (highest first), ties by id.
json SpmMerges(const std::vector<std::string>& tokens, const std::vector<double>& scores,
               const std::unordered_map<std::string, int32_t>& ids) {
  std::vector<int32_t> order(tokens.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  json merges = json::array();
  for (int32_t id : order) {
    const std::string& t = tokens[id];
    const std::vector<size_t> starts = CharStarts(t);
    for (size_t k = 1; k + 1 < starts.size(); ++k) {
      std::string a = t.substr(0, starts[k]), b = t.substr(starts[k]);
      if (ids.count(a) && ids.count(b)) merges.push_back(json::array({std::move(a), std::move(b)}));
    }
  }
  return merges;
}

// tokenizer.ggml.pre types of byte-level BPE files (llama.cpp's llama-vocab.cpp): the split
// regex, and whether whole-word vocabulary hits skip the merges (Llama 3).
struct PreType {
  const char* name;
  const char* regex;
  bool ignore_merges;
  bool clean_spaces;  // llama.cpp's detokenize clean-up (TokenizerConfig::llama_cpp_clean_spaces)
};
constexpr const char kLlama3Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char kQwen2Regex[] =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr PreType kPreTypes[] = {
    {"llama-bpe", kLlama3Regex, true, true}, {"llama3", kLlama3Regex, true, true},
    {"llama-v3", kLlama3Regex, true, true},  {"qwen2", kQwen2Regex, false, false},
    {"deepseek-r1-qwen", kQwen2Regex, false, false},
};

const PreType* FindPreType(const std::string& name) {
  for (const PreType& p : kPreTypes)
    if (name == p.name) return &p;
  return nullptr;
}

std::string PreTypeNames() {
  std::string s;
  for (const PreType& p : kPreTypes) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> TokenizerFromGguf(const GgufFile& f) {
  ASSIGN_OR_RETURN(std::string model, f.String("tokenizer.ggml.model"));
  if (model != "llama" && model != "gpt2")
    return Unimplemented(f.path() + ": tokenizer.ggml.model '" + model + "' is not supported yet (supported: llama, gpt2)");
  const bool spm = model == "llama";
  std::string pre_regex;
  bool ignore_merges = false, clean_spaces = false;
  if (!spm) {
    std::string pre = "default";
    if (f.Find("tokenizer.ggml.pre")) {
      ASSIGN_OR_RETURN(pre, f.String("tokenizer.ggml.pre"));
    }
    const PreType* p = FindPreType(pre);
    if (!p)
      return Unimplemented(f.path() + ": tokenizer.ggml.pre '" + pre + "' is not supported yet (supported: " +
                           PreTypeNames() + ")");
    pre_regex = p->regex;
    ignore_merges = p->ignore_merges;
    clean_spaces = p->clean_spaces;
  }
  ASSIGN_OR_RETURN(const GgufValue* tokens_v, f.Array("tokenizer.ggml.tokens", GgufType::kString));
  const std::vector<std::string>& tokens = tokens_v->strings;
  const size_t n = tokens.size();
  std::vector<double> scores(n, 0.0);
  std::vector<int> types(n, kNormal);
  if (f.Find("tokenizer.ggml.scores")) {
    ASSIGN_OR_RETURN(const GgufValue* s, f.Array("tokenizer.ggml.scores", GgufType::kF32));
    if (s->numbers.size() != n) return DataLoss(f.path() + ": tokenizer.ggml.scores has " + std::to_string(s->numbers.size()) + " entries for " + std::to_string(n) + " tokens");
    scores = s->numbers;
  }
  if (f.Find("tokenizer.ggml.token_type")) {
    ASSIGN_OR_RETURN(const GgufValue* t, f.Array("tokenizer.ggml.token_type", GgufType::kI32));
    if (t->numbers.size() != n) return DataLoss(f.path() + ": tokenizer.ggml.token_type has " + std::to_string(t->numbers.size()) + " entries for " + std::to_string(n) + " tokens");
    for (size_t i = 0; i < n; ++i) types[i] = static_cast<int>(t->numbers[i]);
  }
  json merges;
  if (!spm) {
    ASSIGN_OR_RETURN(const GgufValue* m, f.Array("tokenizer.ggml.merges", GgufType::kString));
    merges = m->strings;
  }
  auto flag = [&](const std::string& key, bool dflt) {
    const GgufValue* v = f.Find(key);
    return v && v->type == GgufType::kBool ? v->i != 0 : dflt;
  };
  auto id_of = [&](const std::string& key) -> std::optional<int32_t> {
    const GgufValue* v = f.Find(key);
    if (!v || !v->IsInteger() || v->i < 0 || static_cast<size_t>(v->i) >= n) return std::nullopt;
    return static_cast<int32_t>(v->i);
  };
  const bool add_space_prefix = spm && flag("tokenizer.ggml.add_space_prefix", true);
  const bool add_bos = flag("tokenizer.ggml.add_bos_token", true);
  const bool add_eos = flag("tokenizer.ggml.add_eos_token", false);
  const auto bos = id_of("tokenizer.ggml.bos_token_id"), eos = id_of("tokenizer.ggml.eos_token_id");
  const auto unk = id_of("tokenizer.ggml.unknown_token_id"), pad = id_of("tokenizer.ggml.padding_token_id");

  std::unordered_map<std::string, int32_t> ids;
  ids.reserve(n);
  json vocab = json::object();
  for (size_t i = 0; i < n; ++i) {
    // Duplicate token texts (some files have them): the first id keeps the text, as llama.cpp's
    // text-to-token map does.
    if (ids.emplace(tokens[i], static_cast<int32_t>(i)).second) vocab[tokens[i]] = static_cast<int32_t>(i);
  }
  if (ids.size() != n)
    return Unimplemented(f.path() + ": the vocabulary has duplicate token texts, which this tokenizer cannot index");
  json j;
  j["model"] = {{"type", "BPE"}, {"vocab", std::move(vocab)},
                {"merges", spm ? SpmMerges(tokens, scores, ids) : std::move(merges)},
                {"byte_fallback", spm}, {"fuse_unk", false}, {"ignore_merges", ignore_merges}};
  if (unk && spm) j["model"]["unk_token"] = tokens[*unk];
  if (spm) {
    json norm = json::array();
    if (add_space_prefix) norm.push_back({{"type", "Prepend"}, {"prepend", kSpace}});
    norm.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}});
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", std::move(norm)}};
    json dec = json::array({{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
                            {{"type", "ByteFallback"}},
                            {{"type", "Fuse"}}});
    if (add_space_prefix) dec.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    j["decoder"] = {{"type", "Sequence"}, {"decoders", std::move(dec)}};
  } else {
    // Byte-level BPE: llama.cpp applies no Unicode normalization, then its pre-type's regex.
    j["pre_tokenizer"] = {
        {"type", "Sequence"},
        {"pretokenizers",
         json::array({{{"type", "Split"}, {"pattern", {{"Regex", pre_regex}}}, {"behavior", "Isolated"}, {"invert", false}},
                      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}})}};
    j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  }
  json added = json::array();
  for (size_t i = 0; i < n; ++i)
    if (types[i] == kControl || types[i] == kUserDefined || types[i] == kUnknown)
      added.push_back({{"id", static_cast<int32_t>(i)}, {"content", tokens[i]}, {"single_word", false},
                       {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                       {"special", types[i] != kUserDefined}});
  j["added_tokens"] = std::move(added);
  json single = json::array(), special = json::object();
  if (add_bos && bos) {
    single.push_back({{"SpecialToken", {{"id", tokens[*bos]}, {"type_id", 0}}}});
    special[tokens[*bos]] = {{"id", tokens[*bos]}, {"ids", {*bos}}, {"tokens", {tokens[*bos]}}};
  }
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (add_eos && eos) {
    single.push_back({{"SpecialToken", {{"id", tokens[*eos]}, {"type_id", 0}}}});
    special[tokens[*eos]] = {{"id", tokens[*eos]}, {"ids", {*eos}}, {"tokens", {tokens[*eos]}}};
  }
  j["post_processor"] = {{"type", "TemplateProcessing"}, {"single", std::move(single)}, {"pair", json::array()},
                         {"special_tokens", std::move(special)}};

  TokenizerConfig config;
  if (bos) config.bos_token = tokens[*bos];
  if (eos) config.eos_token = tokens[*eos];
  if (pad) config.pad_token = tokens[*pad];
  if (unk) config.unk_token = tokens[*unk];
  config.add_bos_token = add_bos;
  config.llama_cpp_clean_spaces = clean_spaces;
  config.add_eos_token = add_eos;
  if (const GgufValue* t = f.Find("tokenizer.chat_template"); t && t->type == GgufType::kString) {
    config.chat_template = t->str;
  } else if (auto arch = f.String("general.architecture"); arch.ok() && arch->rfind("gemma", 0) == 0) {
    config.chat_template = kGemmaChatTemplate;
  }
  if (!config.chat_template.empty()) config.chat_templates["default"] = config.chat_template;
  if (eos) config.generation_eos_ids.push_back(*eos);
  if (auto eot = id_of("tokenizer.ggml.eot_token_id"); eot && eot != eos) config.generation_eos_ids.push_back(*eot);
  if (auto it = ids.find("<end_of_turn>"); it != ids.end()) config.generation_eos_ids.push_back(it->second);
  auto tok = Tokenizer::FromJson(j.dump(), std::move(config));
  if (!tok.ok()) return tok.status().WithContext(f.path() + ": tokenizer from GGUF metadata");
  return tok;
}

const char kGemmaChatTemplate[] = R"TPL({{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\n\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\n'}}
{%- endif -%}
)TPL";

}  // namespace vllm
