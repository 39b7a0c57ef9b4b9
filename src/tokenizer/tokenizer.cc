#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenizer/bpe_model.h"
#include "tokenizer/decoder.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/pre_tokenizer.h"
#include "util/utf8.h"
#include "util/logging.h"

namespace vllm {

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromDirectory(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / "tokenizer.json").string();
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  ASSIGN_OR_RETURN(TokenizerConfig config, TokenizerConfig::FromDirectory(dir));
  auto tokenizer = FromJson(buffer.str(), std::move(config));
  if (!tokenizer.ok()) return tokenizer.status().WithContext(path);
  return tokenizer;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(std::string_view tokenizer_json,
                                                       TokenizerConfig config) {
  auto json = nlohmann::json::parse(tokenizer_json, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return DataLoss("tokenizer.json is not JSON");
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  // HF would truncate/pad encodings; an inference server must not silently drop prompt
  // tokens, so these training-time settings are ignored (and said so).
  for (const char* key : {"truncation", "padding"}) {
    if (json.contains(key) && !json.at(key).is_null()) {
      LOG(WARNING) << "tokenizer.json '" << key << "' is set; ignored (no truncation/padding)";
    }
  }
  // nlohmann::json throws on type mismatches (e.g. a number where a string belongs);
  // turn those into a Status here so no exception leaves the loader.
  try {
    const auto& model = json.at("model");
    const std::string model_type = model.value("type", "BPE");
    if (model_type != "BPE") return Unimplemented("model type '" + model_type + "'");
    ASSIGN_OR_RETURN(t->model_, BpeModel::FromJson(model));
    ASSIGN_OR_RETURN(t->normalizer_, MakeNormalizer(json.value("normalizer", nlohmann::json())));
    ASSIGN_OR_RETURN(t->pre_tokenizer_,
                     MakePreTokenizer(json.value("pre_tokenizer", nlohmann::json()),
                                      /*defer_byte_level_tail=*/true, &t->byte_level_tail_));
    ASSIGN_OR_RETURN(t->post_processor_,
                     MakePostProcessor(json.value("post_processor", nlohmann::json())));
    const auto decoder_spec = json.value("decoder", nlohmann::json());
    ASSIGN_OR_RETURN(t->decoder_, MakeDecoder(decoder_spec));
    t->decoder_is_byte_level_ = decoder_spec.is_object() && decoder_spec.value("type", "") ==
                                                                "ByteLevel";
    t->decoder_has_byte_fallback_ = decoder_spec.dump().find("\"ByteFallback\"") !=
                                    std::string::npos;
    ASSIGN_OR_RETURN(t->added_, AddedVocabulary::FromJson(
                                    json.value("added_tokens", nlohmann::json()),
                                    t->normalizer_.get()));
  } catch (const nlohmann::json::exception& e) {
    return DataLoss(std::string("tokenizer.json: ") + e.what());
  }
  for (const AddedToken& token : t->added_.tokens()) {
    t->has_normalized_added_tokens_ |= token.normalized;
  }

  if (t->decoder_is_byte_level_) {
    const int32_t n = t->vocab_size();
    t->token_bytes_.resize(n);
    t->token_known_.assign(n, false);
    for (int32_t id = 0; id < n; ++id) {
      std::vector<std::string> token;
      if (!t->AppendToken(id, /*skip_special_tokens=*/false, &token)) continue;
      t->token_known_[id] = true;
      t->token_bytes_[id] = ByteLevelTokenBytes(token[0]);
    }
  }

  t->config_ = std::move(config);
  if (t->config_.bos_token) t->bos_id_ = t->TokenToId(*t->config_.bos_token);
  if (t->config_.pad_token) t->pad_id_ = t->TokenToId(*t->config_.pad_token);
  if (t->config_.eos_token) {
    if (auto id = t->TokenToId(*t->config_.eos_token)) t->eos_ids_.push_back(*id);
  }
  for (int32_t id : t->config_.generation_eos_ids) {
    if (std::find(t->eos_ids_.begin(), t->eos_ids_.end(), id) == t->eos_ids_.end()) {
      t->eos_ids_.push_back(id);
    }
  }
  return t;
}

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text, bool add_special_tokens,
                                               bool parse_special) const {
  const size_t bad = utf8::FirstInvalid(text);
  if (bad != text.size()) {
    return InvalidArgument("input is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<AddedVocabulary::Segment> segments;
  added_.Split(text, /*normalized_pass=*/false, parse_special, &segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    RETURN_IF_ERROR(EncodeStretch(text.substr(segment.begin, segment.end - segment.begin),
                                  segment.begin == 0, parse_special, &ids));
  }
  if (add_special_tokens && post_processor_) post_processor_->Process(&ids);
  return ids;
}

// One stretch between raw-matched added tokens: normalize, then look for normalized added
// tokens, then pre-tokenize and encode what is left.
Status Tokenizer::EncodeStretch(std::string_view text, bool at_input_start, bool parse_special,
                                std::vector<int32_t>* ids) const {
  std::string normalized(text);
  if (normalizer_) RETURN_IF_ERROR(normalizer_->Normalize(&normalized));
  if (!has_normalized_added_tokens_) {
    return EncodeWords(std::move(normalized), at_input_start, ids);
  }
  std::vector<AddedVocabulary::Segment> segments;
  added_.Split(normalized, /*normalized_pass=*/true, parse_special, &segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) {
      ids->push_back(segment.id);
      continue;
    }
    RETURN_IF_ERROR(EncodeWords(normalized.substr(segment.begin, segment.end - segment.begin),
                                at_input_start && segment.begin == 0, ids));
  }
  return Status::Ok();
}

Status Tokenizer::EncodeWords(std::string text, bool at_input_start,
                              std::vector<int32_t>* ids) const {
  if (text.empty()) return Status::Ok();
  std::vector<PreToken> pieces;
  pieces.push_back({std::move(text), at_input_start});
  if (pre_tokenizer_) RETURN_IF_ERROR(pre_tokenizer_->PreTokenize(&pieces));
  for (const PreToken& piece : pieces) model_->EncodeWord(piece.text, byte_level_tail_, ids);
  return Status::Ok();
}

bool Tokenizer::AppendToken(int32_t id, bool skip_special_tokens,
                            std::vector<std::string>* out) const {
  if (const AddedToken* added = added_.FindById(id)) {
    if (skip_special_tokens && added->special) return false;
    out->push_back(added->text);
    return true;
  }
  const std::string* token = model_->IdToToken(id);
  if (token == nullptr) return false;
  out->push_back(*token);
  return true;
}

std::string Tokenizer::DecodeTokens(std::vector<std::string> tokens) const {
  std::string text;
  if (decoder_) {
    decoder_->DecodeChain(&tokens);
    for (const std::string& t : tokens) text += t;
    return text;
  }
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (k > 0) text += ' ';
    text += tokens[k];
  }
  return text;
}

namespace {

// llama.cpp's three clean-up passes over the decoded bytes (TokenizerConfig says when).
std::string LlamaCppCleanSpaces(std::string t) {
  auto pass = [&](auto keep) {
    std::string out;
    for (size_t i = 0; i < t.size(); ++i) keep(i, &out);
    t = std::move(out);
  };
  // " ?" " !" " ." " ,": the space goes.
  pass([&](size_t i, std::string* out) {
    const char x = t[i];
    if (i > 0 && t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',') && !out->empty()) out->pop_back();
    *out += x;
  });
  // " ' ": both spaces go. A dropped space no longer counts as the next quote's left space
  // (llama.cpp overwrites it with NUL).
  {
    std::string out;
    bool prev_dropped = false;
    for (size_t i = 0; i < t.size(); ++i) {
      if (i > 0 && t[i] == '\'' && i + 1 < t.size() && t[i - 1] == ' ' && !prev_dropped && t[i + 1] == ' ') {
        if (!out.empty()) out.pop_back();
        out += '\'';
        ++i;  // the space after it
        prev_dropped = true;
        continue;
      }
      prev_dropped = false;
      out += t[i];
    }
    t = std::move(out);
  }
  // " 's" " 'm" " 're" " 've": the space goes (" 't" " 'd" " 'll" keep it).
  pass([&](size_t i, std::string* out) {
    const char x = t[i];
    if (i > 0 && t[i - 1] == ' ' && x == '\'' && i + 1 < t.size()) {
      const char x1 = t[i + 1], x2 = i + 2 < t.size() ? t[i + 2] : '\0';
      if ((x1 == 's' || x1 == 'm' || ((x1 == 'r' || x1 == 'v') && x2 == 'e')) && !out->empty()) out->pop_back();
    }
    *out += x;
  });
  return t;
}

}  // namespace

std::string Tokenizer::Decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (int32_t id : ids) AppendToken(id, skip_special_tokens, &tokens);
  std::string text = DecodeTokens(std::move(tokens));
  return config_.llama_cpp_clean_spaces ? LlamaCppCleanSpaces(std::move(text)) : text;
}

int32_t Tokenizer::vocab_size() const {
  int32_t size = model_->vocab_size();
  for (const AddedToken& token : added_.tokens()) size = std::max(size, token.id + 1);
  return size;
}

std::optional<int32_t> Tokenizer::TokenToId(std::string_view token) const {
  if (auto id = added_.FindByContent(token)) return id;
  return model_->TokenToId(token);
}

std::string Tokenizer::IdToToken(int32_t id) const {
  if (const AddedToken* added = added_.FindById(id)) return added->text;
  const std::string* token = model_->IdToToken(id);
  return token ? *token : std::string();
}

bool Tokenizer::IsSpecial(int32_t id) const {
  const AddedToken* added = added_.FindById(id);
  return added != nullptr && added->special;
}

}  // namespace vllm
