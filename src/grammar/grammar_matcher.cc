#include "grammar/grammar_matcher.h"

#include <algorithm>
#include <vector>

#include "llguidance.h"
#include "sampler/allowed_mask.h"
#include "util/check.h"

namespace vllm {

namespace {

std::string MatcherError(LlgMatcher* m) {
  const char* e = llg_matcher_get_error(m);
  return e ? e : "unknown grammar error";
}

}  // namespace

GrammarMatcher::GrammarMatcher(LlgMatcher* matcher, const GrammarVocab* vocab) : m_(matcher), vocab_(vocab) {
  CHECK(m_ != nullptr && !llg_matcher_is_error(m_)) << "GrammarMatcher takes a matcher that compiled";
}

GrammarMatcher::~GrammarMatcher() { llg_free_matcher(m_); }

std::unique_ptr<GrammarMatcher> GrammarMatcher::Clone() const {
  return std::make_unique<GrammarMatcher>(llg_clone_matcher(m_), vocab_);
}

int64_t GrammarMatcher::mask_words() const { return AllowedMaskWords(vocab_->vocab_size()); }

Status GrammarMatcher::FillMask(std::span<uint32_t> mask) {
  CHECK_EQ(static_cast<int64_t>(mask.size()), mask_words());
  const size_t bytes = llg_matcher_get_mask_byte_size(m_);
  CHECK_EQ(bytes, mask.size() * sizeof(uint32_t)) << "llguidance mask size differs from the vocab's";
  if (llg_matcher_compute_mask_into(m_, mask.data(), bytes) != 0) {
    std::fill(mask.begin(), mask.end(), 0u);
    return Internal("grammar: " + MatcherError(m_));
  }
  return Status::Ok();
}

Status GrammarMatcher::Consume(int32_t token_id) {
  if (llg_matcher_consume_token(m_, static_cast<uint32_t>(token_id)) != 0)
    return Internal("grammar rejected token " + std::to_string(token_id) + ": " + MatcherError(m_));
  return Status::Ok();
}

bool GrammarMatcher::IsStopped() const { return llg_matcher_is_stopped(m_); }

bool GrammarMatcher::IsAccepting() { return llg_matcher_is_accepting(m_); }

bool MaskOnlyAllowsEos(std::span<const uint32_t> mask, std::span<const int32_t> eos_ids) {
  int64_t allowed = 0;
  for (uint32_t w : mask) allowed += __builtin_popcount(w);
  if (allowed == 0) return false;
  std::vector<int32_t> eos(eos_ids.begin(), eos_ids.end());  // a config may repeat an id
  std::sort(eos.begin(), eos.end());
  eos.erase(std::unique(eos.begin(), eos.end()), eos.end());
  int64_t eos_allowed = 0;
  for (int32_t id : eos)
    if (id >= 0 && (id >> 5) < static_cast<int32_t>(mask.size()) && MaskAllows(mask.data(), id)) ++eos_allowed;
  return eos_allowed == allowed;
}

}  // namespace vllm
