// GrammarMatcher: one sequence's position in its grammar (an LlgMatcher). Per sampled token:
// FillMask (the tokens allowed next; EOS only where the grammar accepts), then Consume (the
// token the sampler drew from that mask). Not thread-safe: one sequence, one thread at a
// time (the engine thread, or a pool worker during a step).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "grammar/grammar_vocab.h"
#include "util/status.h"

struct LlgMatcher;

namespace vllm {

class GrammarMatcher {
 public:
  // Takes ownership of a matcher that compiled without error.
  GrammarMatcher(LlgMatcher* matcher, const GrammarVocab* vocab);
  ~GrammarMatcher();
  GrammarMatcher(const GrammarMatcher&) = delete;
  GrammarMatcher& operator=(const GrammarMatcher&) = delete;

  // Same grammar and state, independent from here on (sibling sequences of n > 1).
  std::unique_ptr<GrammarMatcher> Clone() const;

  int64_t mask_words() const;  // AllowedMaskWords(vocab_size)
  // mask: mask_words() words (sampler/allowed_mask.h layout). Error: the matcher failed (it
  // then allows nothing; the sequence must end).
  Status FillMask(std::span<uint32_t> mask);
  // Advances on a token drawn from the last mask. Error: the token was not allowed.
  Status Consume(int32_t token_id);

  // The grammar has ended (EOS consumed, or nothing can follow).
  bool IsStopped() const;
  // The text so far is a complete sentence of the grammar (EOS would be allowed).
  bool IsAccepting();

 private:
  LlgMatcher* m_;
  const GrammarVocab* vocab_;
};

// True when the mask allows no token but EOS ids: the grammar is complete and can only end.
bool MaskOnlyAllowsEos(std::span<const uint32_t> mask, std::span<const int32_t> eos_ids);

}  // namespace vllm
