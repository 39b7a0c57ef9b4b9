// SequenceText: one sequence's text side, run by the reader of its OutputStream (an HTTP
// handler, the CLI), never by the engine thread: token ids -> UTF-8 deltas (incremental
// detokenizer) -> stop strings. A stop string ends the sequence from here: Process marks the
// output final and the stream asks the engine to release the sequence.
#pragma once

#include <cstdint>
#include <span>

#include "engine/request_output.h"
#include "sampler/sampling_params.h"
#include "tokenizer/incremental_detokenizer.h"
#include "tokenizer/stop_strings.h"
#include "tokenizer/tokenizer.h"

namespace vllm {

class SequenceText {
 public:
  SequenceText(const Tokenizer& tokenizer, std::span<const int32_t> prompt, const SamplingParams& params);

  // Fills out.text_delta from out.new_token_ids. The EOS / stop id that ended the sequence
  // (out.stop_token_id) adds no text; stop strings count only once min_tokens tokens exist.
  // Returns true when a stop string matched: out is then final (finished, kStop,
  // stop_string_index set) and later outputs of the sequence must be dropped.
  bool Process(RequestOutput& out);

 private:
  IncrementalDetokenizer detok_;
  StopStringMatcher stops_;
  int32_t min_tokens_;
  int64_t num_tokens_ = 0;
};

}  // namespace vllm
