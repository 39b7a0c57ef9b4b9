#include "api/sampling_fields.h"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "api/count_limit.h"

namespace vllm::api {

namespace {

// logit_bias: {"token id as string": bias}. Keys must be decimal integers.
Status ReadLogitBias(const Json& body, const RequestLimits& limits, SamplingParams* p) {
  if (!Has(body, "logit_bias")) return Status::Ok();
  const Json& v = body.at("logit_bias");
  if (!v.is_object()) return InvalidArgument("'logit_bias' must be an object mapping token ids to numbers");
  RETURN_IF_ERROR(CheckCount("logit_bias", v.size(), limits.max_logit_bias, "--max-logit-bias"));
  p->logit_bias.clear();
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    char* end = nullptr;
    errno = 0;
    const long long id = std::strtoll(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || errno != 0 || id < 0 || id > INT32_MAX)
      return InvalidArgument("'logit_bias' key '" + key + "' is not a token id");
    if (!it.value().is_number())
      return InvalidArgument("'logit_bias' value for token " + key + " must be a number");
    p->logit_bias.emplace_back(static_cast<int32_t>(id), it.value().get<float>());
  }
  return Status::Ok();
}

}  // namespace

Status ReadStopList(const Json& body, const char* key, const RequestLimits& limits, std::vector<std::string>* out) {
  if (Has(body, key) && body.at(key).is_array())
    RETURN_IF_ERROR(CheckCount(key, body.at(key).size(), limits.max_stop, "--max-stop"));
  RETURN_IF_ERROR(ReadStringList(body, key, out));
  for (const auto& s : *out) {
    if (s.empty()) return InvalidArgument(std::string("'") + key + "' strings must not be empty");
    if (s.size() > static_cast<size_t>(limits.max_stop_bytes))
      return InvalidArgument(std::string("'") + key + "' has a string of " + std::to_string(s.size()) +
                             " bytes, over this server's limit of " + std::to_string(limits.max_stop_bytes) +
                             " (--max-stop-bytes)");
  }
  return Status::Ok();
}

Status ReadPromptLogprobs(const Json& body, std::optional<int32_t>* out) {
  if (Has(body, "prompt_logprobs") && body.at("prompt_logprobs").is_null()) return Status::Ok();
  RETURN_IF_ERROR(ReadInt(body, "prompt_logprobs", out));
  if (*out && (**out < 0 || **out > kMaxLogprobs)) return InvalidArgument("'prompt_logprobs' must be in [0, 20]");
  return Status::Ok();
}

Status CheckMaxTokens(int32_t max_tokens, const RequestLimits& limits, const char* field) {
  if (max_tokens <= 0) return InvalidArgument(std::string("'") + field + "' must be at least 1, got " + std::to_string(max_tokens));
  if (max_tokens > limits.max_request_tokens)
    return InvalidArgument(std::string("'") + field + "' is " + std::to_string(max_tokens) +
                           ", over this server's limit of " + std::to_string(limits.max_request_tokens));
  return Status::Ok();
}

Status ReadOpenAiSampling(const Json& body, const RequestLimits& limits, SamplingParams* p) {
  std::optional<float> temperature = limits.default_temperature, top_p = limits.default_top_p;
  std::optional<int32_t> top_k = limits.default_top_k;
  RETURN_IF_ERROR(ReadFloat(body, "temperature", &temperature));
  RETURN_IF_ERROR(ReadFloat(body, "top_p", &top_p));
  RETURN_IF_ERROR(ReadInt(body, "top_k", &top_k));
  if (temperature) p->temperature = *temperature;
  if (top_p) p->top_p = *top_p;
  if (top_k) p->top_k = *top_k;
  RETURN_IF_ERROR(ReadFloat(body, "min_p", &p->min_p));
  RETURN_IF_ERROR(ReadFloat(body, "presence_penalty", &p->presence_penalty));
  RETURN_IF_ERROR(ReadFloat(body, "frequency_penalty", &p->frequency_penalty));
  RETURN_IF_ERROR(ReadFloat(body, "repetition_penalty", &p->repetition_penalty));
  RETURN_IF_ERROR(ReadLogitBias(body, limits, p));
  RETURN_IF_ERROR(ReadUint64(body, "seed", &p->seed));
  RETURN_IF_ERROR(ReadInt(body, "n", &p->n));
  if (p->n < 1) return InvalidArgument("'n' must be at least 1");
  if (p->n > kMaxChoices) return InvalidArgument("'n' is " + std::to_string(p->n) + ", over this server's limit of " + std::to_string(kMaxChoices));
  RETURN_IF_ERROR(ReadStopList(body, "stop", limits, &p->stop));
  if (Has(body, "stop_token_ids") && body.at("stop_token_ids").is_array())
    RETURN_IF_ERROR(CheckCount("stop_token_ids", body.at("stop_token_ids").size(), limits.max_stop_token_ids,
                               "--max-stop-token-ids"));
  RETURN_IF_ERROR(ReadIntList(body, "stop_token_ids", &p->stop_token_ids));
  // max_completion_tokens is the newer name; it wins when both are given.
  std::optional<int32_t> max_tokens;
  const char* field = "max_tokens";
  RETURN_IF_ERROR(ReadInt(body, "max_tokens", &max_tokens));
  if (Has(body, "max_completion_tokens")) {
    field = "max_completion_tokens";
    RETURN_IF_ERROR(ReadInt(body, "max_completion_tokens", &max_tokens));
  }
  // max_tokens 0 with echo scores the prompt and generates nothing (legacy OpenAI, vLLM).
  const bool echo = Has(body, "echo") && body.at("echo").is_boolean() && body.at("echo").get<bool>();
  if (max_tokens && !(echo && *max_tokens == 0)) RETURN_IF_ERROR(CheckMaxTokens(*max_tokens, limits, field));
  // Left out: the operator's cap or the largest allowed; the handler then clips it to the
  // context the prompt leaves (ClipDefaultMaxTokens).
  p->max_tokens = max_tokens.value_or(limits.default_max_tokens > 0
                                          ? std::min(limits.default_max_tokens, limits.max_request_tokens)
                                          : limits.max_request_tokens);
  RETURN_IF_ERROR(ReadInt(body, "min_tokens", &p->min_tokens));
  RETURN_IF_ERROR(ReadBool(body, "ignore_eos", &p->ignore_eos));
  RETURN_IF_ERROR(ReadBool(body, "skip_special_tokens", &p->skip_special_tokens));
  RETURN_IF_ERROR(ReadBool(body, "include_stop_str_in_output", &p->include_stop_str_in_output));
  return Status::Ok();
}

}  // namespace vllm::api
