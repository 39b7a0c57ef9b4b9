// What the engine tells a client about one sequence, step by step (plain data).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sampler/sample_output.h"
#include "scheduler/request.h"

namespace vllm {

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
  // params.prompt_logprobs >= 0: in the sequence's first output, one entry per prompt token,
  // each with its rank and top alternatives; entry 0 (nothing predicts the first token) has
  // a NaN logprob, rank 0 and no alternatives.
  std::vector<TokenLogprob> prompt_logprobs;
  bool has_prompt_logprobs = false;
  // params.pooling: the pooled final hidden state [hidden] (not normalized), in the final output.
  std::vector<float> embedding;
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
