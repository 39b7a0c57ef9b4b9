#include "tokenizer/decoder.h"

#include <nlohmann/json.hpp>

#include "tokenizer/pre_tokenizer.h"
#include "tokenizer/replace_pattern.h"
#include "util/utf8.h"

namespace vllm {
namespace {

// Maps each token's chars back to bytes; all bytes are joined into one string and decoded
// lossily (so a character may span tokens).
class ByteLevelDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>* tokens) const override {
    std::string bytes;
    for (const std::string& token : *tokens) bytes += ByteLevelTokenBytes(token);
    tokens->assign(1, utf8::ToValidLossy(bytes));
  }
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, bool prepend)
      : replacement_(std::move(replacement)), prepend_(prepend) {}
  void DecodeChain(std::vector<std::string>* tokens) const override {
    for (size_t k = 0; k < tokens->size(); ++k) {
      std::string& token = (*tokens)[k];
      // HF drops every replacement char of the first token (not just a leading one) when
      // the pre-tokenizer may have prepended one; elsewhere each becomes a space.
      const bool drop = k == 0 && prepend_;
      std::string out;
      out.reserve(token.size());
      for (size_t pos = 0; pos < token.size();) {
        if (token.compare(pos, replacement_.size(), replacement_) == 0) {
          if (!drop) out += ' ';
          pos += replacement_.size();
        } else {
          out += token[pos++];
        }
      }
      token = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool prepend_;
};

class ReplaceDecoder : public Decoder {
 public:
  explicit ReplaceDecoder(ReplacePattern pattern) : pattern_(std::move(pattern)) {}
  void DecodeChain(std::vector<std::string>* tokens) const override {
    for (std::string& token : *tokens) {
      // Tokens are valid UTF-8 and PCRE2 only fails on pathological backtracking; on
      // failure the token is left unchanged rather than dropped.
      (void)pattern_.Apply(&token);
    }
  }

 private:
  ReplacePattern pattern_;
};

// Runs of "<0xAB>" tokens become the bytes they name; a run that is not valid UTF-8
// becomes one U+FFFD per byte (HF semantics).
class ByteFallbackDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>* tokens) const override {
    std::vector<std::string> out;
    std::string pending;
    size_t num_pending = 0;
    auto flush = [&] {
      if (num_pending == 0) return;
      if (utf8::IsValid(pending)) {
        out.push_back(pending);
      } else {
        for (size_t k = 0; k < num_pending; ++k) out.push_back("\xEF\xBF\xBD");
      }
      pending.clear();
      num_pending = 0;
    };
    for (std::string& token : *tokens) {
      int byte = ParseByteToken(token);
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
        ++num_pending;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    *tokens = std::move(out);
  }

  static int ParseByteToken(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    int value = 0;
    for (int k = 3; k < 5; ++k) {
      const char c = t[k];
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'A' && c <= 'F') {
        digit = c - 'A' + 10;
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }
};

class FuseDecoder : public Decoder {
 public:
  void DecodeChain(std::vector<std::string>* tokens) const override {
    std::string joined;
    for (const std::string& t : *tokens) joined += t;
    tokens->assign(1, std::move(joined));
  }
};

// Removes up to `start` leading and `stop` trailing occurrences of `content` per token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  void DecodeChain(std::vector<std::string>* tokens) const override {
    if (content_.empty()) return;
    for (std::string& token : *tokens) {
      size_t begin = 0, end = token.size();
      for (size_t k = 0; k < start_ && token.compare(begin, content_.size(), content_) == 0 &&
                         begin + content_.size() <= end;
           ++k) {
        begin += content_.size();
      }
      for (size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++k) {
        end -= content_.size();
      }
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps)
      : steps_(std::move(steps)) {}
  void DecodeChain(std::vector<std::string>* tokens) const override {
    for (const auto& step : steps_) step->DecodeChain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::string ByteLevelTokenBytes(const std::string& token) {
  const ByteLevelAlphabet& alphabet = GetByteLevelAlphabet();
  std::string bytes;
  bytes.reserve(token.size());
  size_t i = 0;
  while (i < token.size()) {
    const int16_t b = alphabet.CharToByte(utf8::DecodeAt(token, &i));
    if (b < 0) return token;
    bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

Result<std::unique_ptr<Decoder>> MakeDecoder(const nlohmann::json& spec) {
  if (spec.is_null()) return std::unique_ptr<Decoder>();
  const std::string type = spec.value("type", "");
  if (type == "ByteLevel") return std::unique_ptr<Decoder>(new ByteLevelDecoder());
  if (type == "Metaspace") {
    bool prepend = spec.value("add_prefix_space", true);
    if (spec.contains("prepend_scheme")) prepend = spec.at("prepend_scheme") != "never";
    return std::unique_ptr<Decoder>(
        new MetaspaceDecoder(spec.value("replacement", "\xE2\x96\x81"), prepend));
  }
  if (type == "Replace") {
    ASSIGN_OR_RETURN(ReplacePattern pattern, ReplacePattern::FromJson(spec));
    return std::unique_ptr<Decoder>(new ReplaceDecoder(std::move(pattern)));
  }
  if (type == "ByteFallback") return std::unique_ptr<Decoder>(new ByteFallbackDecoder());
  if (type == "Fuse") return std::unique_ptr<Decoder>(new FuseDecoder());
  if (type == "Strip") {
    return std::unique_ptr<Decoder>(new StripDecoder(
        spec.value("content", " "), spec.value("start", 0u), spec.value("stop", 0u)));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& sub : spec.at("decoders")) {
      ASSIGN_OR_RETURN(auto step, MakeDecoder(sub));
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<Decoder>(new SequenceDecoder(std::move(steps)));
  }
  return Unimplemented("decoder type '" + type + "'");
}

}  // namespace vllm
