#include "api/completion_request.h"

#include <algorithm>

#include "api/sampling_fields.h"
#include "api/structured_output_fields.h"

namespace vllm::api {

namespace {

Result<std::vector<int32_t>> TokenList(const Json& v) {
  std::vector<int32_t> ids;
  for (const Json& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > INT32_MAX)
      return InvalidArgument("'prompt' token ids must be non-negative integers");
    ids.push_back(static_cast<int32_t>(x.get<int64_t>()));
  }
  if (ids.empty()) return InvalidArgument("'prompt' must not be empty");
  return ids;
}

Status ReadPrompts(const Json& body, CompletionRequest* r) {
  if (!Has(body, "prompt")) return InvalidArgument("'prompt' is required");
  const Json& p = body.at("prompt");
  const Status bad = InvalidArgument("'prompt' must be a string, a list of strings, a list of token ids or a list of token-id lists");
  if (p.is_string()) {
    r->prompts.emplace_back(p.get<std::string>());
  } else if (p.is_array() && !p.empty() && p[0].is_number_integer()) {
    ASSIGN_OR_RETURN(auto ids, TokenList(p));
    r->prompts.emplace_back(std::move(ids));
  } else if (p.is_array()) {
    if (p.empty()) return InvalidArgument("'prompt' must not be empty");
    for (const Json& item : p) {
      if (item.is_string()) {
        r->prompts.emplace_back(item.get<std::string>());
      } else if (item.is_array()) {
        ASSIGN_OR_RETURN(auto ids, TokenList(item));
        r->prompts.emplace_back(std::move(ids));
      } else {
        return bad;
      }
    }
  } else {
    return bad;
  }
  for (const auto& prompt : r->prompts)
    if (std::holds_alternative<std::string>(prompt) && std::get<std::string>(prompt).empty())
      return InvalidArgument("'prompt' must not be empty");
  return Status::Ok();
}

}  // namespace

Result<CompletionRequest> ParseCompletionRequest(const Json& body, const RequestLimits& limits) {
  CompletionRequest r;
  RETURN_IF_ERROR(ReadString(body, "model", &r.model));
  RETURN_IF_ERROR(ReadPrompts(body, &r));
  RETURN_IF_ERROR(ReadOpenAiSampling(body, limits, &r.params));
  r.max_tokens_given = Has(body, "max_tokens") || Has(body, "max_completion_tokens");
  const int64_t choices = static_cast<int64_t>(r.prompts.size()) * r.params.n;
  if (choices > kMaxChoices)
    return InvalidArgument("prompts x n = " + std::to_string(choices) + " choices, over this server's limit of " +
                           std::to_string(kMaxChoices));
  RETURN_IF_ERROR(ReadBool(body, "echo", &r.echo));
  RETURN_IF_ERROR(ReadInt(body, "logprobs", &r.logprobs));
  if (r.logprobs && (*r.logprobs < 0 || *r.logprobs > kMaxLogprobs)) return InvalidArgument("'logprobs' must be in [0, 20]");
  if (r.logprobs) r.params.logprobs = *r.logprobs;
  RETURN_IF_ERROR(ReadPromptLogprobs(body, &r.prompt_logprobs));
  if (r.prompt_logprobs) r.params.prompt_logprobs = *r.prompt_logprobs;
  // echo + logprobs scores the prompt too (lm-evaluation-harness's log-likelihoods).
  if (r.echo && r.logprobs) r.params.prompt_logprobs = std::max(r.params.prompt_logprobs, *r.logprobs);
  RETURN_IF_ERROR(ReadString(body, "suffix", &r.suffix));
  RETURN_IF_ERROR(ReadBool(body, "stream", &r.stream));
  if (r.stream && r.prompt_logprobs) return InvalidArgument("'prompt_logprobs' is not available when 'stream' is true");
  if (Has(body, "stream_options")) {
    const Json& so = body.at("stream_options");
    if (!so.is_object()) return InvalidArgument("'stream_options' must be an object");
    RETURN_IF_ERROR(ReadBool(so, "include_usage", &r.include_usage));
  }
  RETURN_IF_ERROR(ReadStructuredOutput(body, &r.params.structured));
  return r;
}

}  // namespace vllm::api
