// Per-choice state of one response while engine outputs arrive: the text pipeline
// (reasoning / tool calls), logprobs, token ids, finish reason and usage. Shared by the
// streaming and non-streaming paths of every endpoint, which is what makes them agree.
#pragma once

#include <optional>
#include <vector>

#include "api/choice_text.h"
#include "api/openai_response.h"
#include "engine/request_output.h"

namespace vllm::server {

struct ChoiceState {
  api::ChoiceText text;
  api::ChoiceDelta total;       // everything emitted so far
  std::string raw_text;         // engine text before parsing (stop strings already trimmed)
  std::vector<TokenLogprob> logprobs;
  std::vector<TokenLogprob> prompt_logprobs;  // from the first output, when asked
  std::vector<float> embedding;               // pooling requests: from the final output
  std::vector<int32_t> token_ids;
  bool finished = false;
  FinishReason reason = FinishReason::kNone;
  int32_t stop_string_index = -1;  // which stop string ended it (kStop), else -1
  Usage usage;
  double t_first_token_s = 0;
  explicit ChoiceState(api::ChoiceText t) : text(std::move(t)) {}
};

class ChoiceSet {
 public:
  // num_choices = prompts x n; choices [p*n, (p+1)*n) share prompt p.
  ChoiceSet(int32_t num_choices, int32_t n, std::optional<api::ReasoningStyle> reasoning, bool parse_tools);

  // Applies one engine output; returns what it adds to its choice (after parsing).
  api::ChoiceDelta Apply(const RequestOutput& out);
  ChoiceState& choice(int32_t index) { return choices_[index]; }
  int32_t size() const { return static_cast<int32_t>(choices_.size()); }
  // Prompt tokens counted once per prompt; completion tokens summed over choices.
  Usage TotalUsage() const;
  // echo_logprobs / prompt_logprobs_n: top-n of the prompt's logprobs in a completion's echo
  // and in vLLM's prompt_logprobs field (-1: not asked).
  std::vector<api::FinishedChoice> Finished(bool want_logprobs, int32_t echo_logprobs = -1,
                                            int32_t prompt_logprobs_n = -1) const;

 private:
  int32_t n_;
  std::vector<ChoiceState> choices_;
};

}  // namespace vllm::server
