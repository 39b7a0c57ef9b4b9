#include "sampler/sampling_params.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace vllm {
namespace {

// Builds "<field> must be <rule>, got <value>".
template <typename T>
Status Bad(const char* field, const char* rule, const T& value) {
  std::ostringstream os;
  os << field << " must be " << rule << ", got " << value;
  return InvalidArgument(os.str());
}

}  // namespace

Status SamplingParams::Validate(int64_t vocab_size) const {
  // Comparisons are written so that NaN fails them (NaN compares false).
  if (!(temperature >= 0.0f) || !std::isfinite(temperature))
    return Bad("temperature", ">= 0 and finite", temperature);
  if (!(top_p > 0.0f && top_p <= 1.0f)) return Bad("top_p", "in (0, 1]", top_p);
  if (top_k < -1) return Bad("top_k", ">= -1 (-1 or 0 disables it)", top_k);
  if (!(min_p >= 0.0f && min_p <= 1.0f)) return Bad("min_p", "in [0, 1]", min_p);
  if (!(presence_penalty >= -2.0f && presence_penalty <= 2.0f))
    return Bad("presence_penalty", "in [-2, 2]", presence_penalty);
  if (!(frequency_penalty >= -2.0f && frequency_penalty <= 2.0f))
    return Bad("frequency_penalty", "in [-2, 2]", frequency_penalty);
  if (!(repetition_penalty > 0.0f) || !std::isfinite(repetition_penalty))
    return Bad("repetition_penalty", "> 0 and finite", repetition_penalty);
  for (const auto& [token_id, bias] : logit_bias) {
    if (token_id < 0 || token_id >= vocab_size) {
      std::ostringstream rule;
      rule << "a token id in [0, " << vocab_size << ")";
      return Bad("logit_bias", rule.str().c_str(), token_id);
    }
    if (!std::isfinite(bias)) return Bad("logit_bias", "a finite value", bias);
  }
  if (logit_bias.size() > 1) {
    // A JSON object cannot repeat a key; a repeated id here is a conversion bug upstream.
    std::vector<int32_t> ids;
    ids.reserve(logit_bias.size());
    for (const auto& entry : logit_bias) ids.push_back(entry.first);
    std::sort(ids.begin(), ids.end());
    auto dup = std::adjacent_find(ids.begin(), ids.end());
    if (dup != ids.end()) return Bad("logit_bias", "free of repeated token ids", *dup);
  }
  if (logprobs < -1 || logprobs > kMaxLogprobs)
    return Bad("logprobs", "in [-1, 20] (-1 = none)", logprobs);
  if (prompt_logprobs < -1 || prompt_logprobs > kMaxLogprobs)
    return Bad("prompt_logprobs", "in [-1, 20] (-1 = none)", prompt_logprobs);
  if (n < 1) return Bad("n", ">= 1", n);
  if (pooling != Pooling::kNone && (max_tokens != 0 || n != 1))
    return Bad("max_tokens", "0 with n = 1 for a pooling (embedding) request", max_tokens);
  if (max_tokens < 0) return Bad("max_tokens", ">= 0", max_tokens);
  if (min_tokens < 0) return Bad("min_tokens", ">= 0", min_tokens);
  if (min_tokens > max_tokens) {
    std::ostringstream rule;
    rule << "<= max_tokens (" << max_tokens << ")";
    return Bad("min_tokens", rule.str().c_str(), min_tokens);
  }
  for (int32_t token_id : stop_token_ids) {
    if (token_id < 0 || token_id >= vocab_size) {
      std::ostringstream rule;
      rule << "token ids in [0, " << vocab_size << ")";
      return Bad("stop_token_ids", rule.str().c_str(), token_id);
    }
  }
  for (const std::string& s : stop)
    if (s.empty()) return Bad("stop", "non-empty strings", "\"\"");
  if (structured.kind == StructuredOutput::Kind::kChoice && structured.choices.empty())
    return Bad("guided_choice", "a non-empty list of strings", "[]");
  if ((structured.kind == StructuredOutput::Kind::kJsonSchema || structured.kind == StructuredOutput::Kind::kRegex ||
       structured.kind == StructuredOutput::Kind::kLark) && structured.spec.empty())
    return Bad(KindName(structured.kind), "a non-empty specification", "\"\"");
  return Status::Ok();
}

}  // namespace vllm
