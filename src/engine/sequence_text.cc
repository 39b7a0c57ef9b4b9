#include "engine/sequence_text.h"

namespace vllm {

SequenceText::SequenceText(const Tokenizer& tokenizer, std::span<const int32_t> prompt,
                           const SamplingParams& params)
    : detok_(tokenizer, prompt, params.skip_special_tokens),
      stops_(params.stop, params.include_stop_str_in_output),
      min_tokens_(params.min_tokens) {}

bool SequenceText::Process(RequestOutput& out) {
  if (stops_.stopped()) return false;
  std::string text;
  const size_t n = out.new_token_ids.size();
  for (size_t i = 0; i < n; ++i) {
    const int32_t token = out.new_token_ids[i];
    ++num_tokens_;
    const bool stop_token = i + 1 == n && out.stop_token_id >= 0 && out.stop_token_id == token;
    std::string delta = stop_token ? "" : detok_.Add(token);
    if (num_tokens_ < min_tokens_) {
      text += delta;
      continue;
    }
    StopStringMatcher::Output m = stops_.Feed(delta);
    text += m.text;
    if (m.stopped) {
      out.text_delta = std::move(text);
      out.finished = true;
      out.finish_reason = FinishReason::kStop;
      out.stop_token_id = -1;
      out.stop_string_index = m.stop_index;
      return true;
    }
  }
  // The end of generation (EOS, stop id, length) releases held bytes and stop prefixes.
  if (out.finished && out.finish_reason != FinishReason::kAbort) {
    text += stops_.Feed(detok_.Flush()).text;
    if (!stops_.stopped()) text += stops_.Flush();
  }
  out.text_delta = std::move(text);
  return false;
}

}  // namespace vllm
