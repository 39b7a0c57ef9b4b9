#include "server/choice_set.h"

#include <algorithm>

namespace vllm::server {

ChoiceSet::ChoiceSet(int32_t num_choices, int32_t n, std::optional<api::ReasoningStyle> reasoning, bool parse_tools)
    : n_(std::max(1, n)) {
  choices_.reserve(num_choices);
  for (int32_t i = 0; i < num_choices; ++i) choices_.emplace_back(api::ChoiceText(reasoning, parse_tools));
}

api::ChoiceDelta ChoiceSet::Apply(const RequestOutput& out) {
  CHECK(out.index >= 0 && out.index < size()) << "engine output for choice " << out.index << " of " << size();
  ChoiceState& c = choices_[out.index];
  api::ChoiceDelta d = c.text.Feed(out.text_delta);
  c.raw_text += out.text_delta;
  c.logprobs.insert(c.logprobs.end(), out.logprobs.begin(), out.logprobs.end());
  c.token_ids.insert(c.token_ids.end(), out.new_token_ids.begin(), out.new_token_ids.end());
  if (out.has_prompt_logprobs) c.prompt_logprobs = out.prompt_logprobs;
  if (!out.embedding.empty()) c.embedding = out.embedding;
  if (out.usage.prompt_tokens > 0) c.usage = out.usage;
  if (out.t_first_token_s > 0) c.t_first_token_s = out.t_first_token_s;
  if (out.finished) {
    d.Append(c.text.Finish());
    c.finished = true;
    c.reason = out.finish_reason;
    c.stop_string_index = out.stop_string_index;
  }
  c.total.Append(d);
  return d;
}

Usage ChoiceSet::TotalUsage() const {
  Usage u;
  for (int32_t i = 0; i < size(); ++i) {
    const Usage& c = choices_[i].usage;
    if (i % n_ == 0) {
      u.prompt_tokens += c.prompt_tokens;
      u.cached_prompt_tokens += c.cached_prompt_tokens;
    }
    u.completion_tokens += static_cast<int64_t>(choices_[i].token_ids.size());
  }
  return u;
}

std::vector<api::FinishedChoice> ChoiceSet::Finished(bool want_logprobs, int32_t echo_logprobs,
                                                     int32_t prompt_logprobs_n) const {
  std::vector<api::FinishedChoice> out;
  for (int32_t i = 0; i < size(); ++i) {
    const ChoiceState& c = choices_[i];
    out.push_back({.index = i,
                   .message = c.total,
                   .finish_reason = api::OpenAiFinishReason(c.reason, !c.total.tool_calls.empty()),
                   .want_logprobs = want_logprobs,
                   .logprobs = c.logprobs,
                   .prompt_logprobs = c.prompt_logprobs,
                   .echo_logprobs = echo_logprobs,
                   .prompt_logprobs_n = prompt_logprobs_n});
  }
  return out;
}

}  // namespace vllm::server
