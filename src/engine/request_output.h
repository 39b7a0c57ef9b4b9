// What the engine tells a client about one sequence, step by step (plain data).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/request.h"

namespace vllm {

struct TokenLogprob {
  int32_t token_id = 0;
  float logprob = 0.f;
  std::vector<std::pair<int32_t, float>> top;  // alternatives, logprob descending
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_prompt_tokens = 0;
};

struct RequestOutput {
  std::string request_id;
  int32_t index = 0;                    // choice index among the request's n sequences
  std::vector<int32_t> new_token_ids;   // accepted this step
  std::string text_delta;               // new, final text (stop strings trimmed)
  std::vector<TokenLogprob> logprobs;   // one per new token when logprobs were asked
  bool finished = false;
  FinishReason finish_reason = FinishReason::kNone;
  int32_t stop_token_id = -1;      // kStop by an EOS / stop id: that token (it adds no text)
  int32_t stop_string_index = -1;  // kStop by a stop string: its index in params.stop
  Usage usage;                          // running totals for this sequence
  double t_first_token_s = 0;           // seconds from arrival to the first token (0 before)
};

inline const char* FinishReasonName(FinishReason r) {
  switch (r) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kAbort: return "abort";
    case FinishReason::kNone: return "";
  }
  return "";
}

}  // namespace vllm
