#include "runner/batch_builder.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

void BuildBatchInputs(const SchedulerOutput& out, const Scheduler& sched, const KvCacheManager& kv,
                      BatchInputs* in) {
  const int64_t bs = kv.config().block_size;
  int32_t max_blocks = 1;
  for (const ScheduledSeq& s : out.seqs)
    max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>(kv.Blocks(s.seq_id).size()));
  in->Begin(max_blocks);
  for (const ScheduledSeq& s : out.seqs) {
    const SchedRequest* r = sched.Get(s.seq_id);
    CHECK(r != nullptr) << "scheduled an unknown sequence " << s.seq_id;
    std::span<const int32_t> tokens(r->token_ids.data() + s.num_computed_before, s.num_new_tokens);
    in->AddSequence(tokens, s.num_computed_before, kv.Blocks(s.seq_id), bs, s.samples,
                    kv.StateSlot(s.seq_id), s.num_prompt_logits);
  }
  in->AppendPromptLogitsRows();
}

}  // namespace vllm
