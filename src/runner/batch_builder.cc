#include "runner/batch_builder.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

bool IsDecodeStep(const ScheduledSeq& s, const SchedRequest& r) {
  return s.num_new_tokens == 1 && s.samples && s.num_prompt_logits == 0 && s.num_computed_before >= r.num_prompt_tokens;
}

int32_t MaxBlocks(const SchedulerOutput& out, const KvCacheManager& kv) {
  int32_t max_blocks = 1;
  for (const ScheduledSeq& s : out.seqs)
    max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>(kv.Blocks(s.seq_id).size()));
  return max_blocks;
}

void BuildBatchInputs(const SchedulerOutput& out, const Scheduler& sched, const KvCacheManager& kv,
                      BatchInputs* in, int32_t min_stride) {
  const int64_t bs = kv.config().block_size;
  in->Begin(std::max(MaxBlocks(out, kv), min_stride));
  bool leading = true;
  for (const ScheduledSeq& s : out.seqs) {
    const SchedRequest* r = sched.Get(s.seq_id);
    CHECK(r != nullptr) << "scheduled an unknown sequence " << s.seq_id;
    std::span<const int32_t> tokens(r->token_ids.data() + s.num_computed_before, s.num_new_tokens);
    in->AddSequence(tokens, s.num_computed_before, kv.Blocks(s.seq_id), bs, s.samples,
                    kv.StateSlot(s.seq_id), s.num_prompt_logits);
    leading = leading && IsDecodeStep(s, *r);
    if (leading) in->num_decode_tokens = in->num_tokens();
  }
  in->AppendPromptLogitsRows();
}

}  // namespace vllm
