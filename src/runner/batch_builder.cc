#include "runner/batch_builder.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

void BuildBatchInputs(const SchedulerOutput& out, const Scheduler& sched, const KvCacheManager& kv,
                      BatchInputs* in) {
  in->Clear();
  const int64_t bs = kv.config().block_size;
  int32_t max_blocks = 0;
  for (const ScheduledSeq& s : out.seqs)
    max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>(kv.Blocks(s.seq_id).size()));
  in->max_blocks_per_seq = max_blocks;
  in->query_start.push_back(0);
  for (const ScheduledSeq& s : out.seqs) {
    const SchedRequest* r = sched.Get(s.seq_id);
    CHECK(r != nullptr) << "scheduled an unknown sequence " << s.seq_id;
    const std::vector<int32_t>& blocks = kv.Blocks(s.seq_id);
    for (int64_t p = s.num_computed_before; p < s.num_computed_before + s.num_new_tokens; ++p) {
      in->token_ids.push_back(r->token_ids[p]);
      in->positions.push_back(static_cast<int32_t>(p));
      in->slot_mapping.push_back(static_cast<int64_t>(blocks[p / bs]) * bs + p % bs);
    }
    in->query_start.push_back(in->num_tokens());
    in->seq_lens.push_back(static_cast<int32_t>(s.num_computed_before + s.num_new_tokens));
    in->block_tables.insert(in->block_tables.end(), blocks.begin(), blocks.end());
    in->block_tables.resize(in->block_tables.size() + (max_blocks - blocks.size()), 0);
    if (s.samples) in->logits_indices.push_back(in->num_tokens() - 1);
  }
}

}  // namespace vllm
