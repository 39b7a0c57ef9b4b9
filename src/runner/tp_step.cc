#include "runner/tp_step.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "runner/cache_tensors.h"
#include "util/check.h"
#include "util/logging.h"

namespace vllm {

namespace {

enum StepKind : int32_t { kStep = 1, kStop = 2 };

// The fixed-size part of one step message; the arrays follow in one payload broadcast.
struct StepHeader {
  int32_t kind = kStep;
  int32_t num_tokens = 0, num_seqs = 0, num_logits = 0, block_table_stride = 0;
  int32_t max_query_len = 0, max_seq_len = 0, num_decode_tokens = 0;
  int32_t has_state_slots = 0, num_kv_layers = 0;
  int32_t kv_dtype = 0, pad = 0;
  int64_t block_size = 0;
  int64_t blocks_used = 0;  // 1 + the highest block id of the step's block tables
};

// Payload layout: token_ids, positions, token_seq [T] i32 | slot_mapping [T] i64 |
// query_start [S+1] | seq_lens [S] | block_tables [S*stride] | logits_indices [L] | state [S].
size_t PayloadBytes(const StepHeader& h) {
  const size_t T = h.num_tokens, S = h.num_seqs;
  size_t i32 = 3 * T + (S + 1) + S + S * h.block_table_stride + h.num_logits + (h.has_state_slots ? S : 0);
  return i32 * 4 + T * 8;
}

void Pack(const StepHeader& h, const BatchView& b, std::vector<std::byte>* out) {
  out->resize(PayloadBytes(h));
  size_t at = 0;
  auto put = [&](const void* src, size_t bytes) {
    if (bytes) std::memcpy(out->data() + at, src, bytes);
    at += bytes;
  };
  const size_t T = h.num_tokens, S = h.num_seqs;
  put(b.token_ids, T * 4), put(b.positions, T * 4), put(b.token_seq, T * 4), put(b.slot_mapping, T * 8);
  put(b.query_start, (S + 1) * 4), put(b.seq_lens, S * 4), put(b.block_tables, S * h.block_table_stride * 4);
  put(b.logits_indices, static_cast<size_t>(h.num_logits) * 4);
  if (h.has_state_slots) put(b.state_slots, S * 4);
  CHECK_EQ(at, out->size());
}

BatchView Unpack(const StepHeader& h, const std::vector<std::byte>& in) {
  size_t at = 0;
  auto take = [&](size_t bytes) {
    const std::byte* p = in.data() + at;
    at += bytes;
    return p;
  };
  const size_t T = h.num_tokens, S = h.num_seqs;
  BatchView v;
  v.token_ids = reinterpret_cast<const int32_t*>(take(T * 4));
  v.positions = reinterpret_cast<const int32_t*>(take(T * 4));
  v.token_seq = reinterpret_cast<const int32_t*>(take(T * 4));
  v.slot_mapping = reinterpret_cast<const int64_t*>(take(T * 8));
  v.query_start = reinterpret_cast<const int32_t*>(take((S + 1) * 4));
  v.seq_lens = reinterpret_cast<const int32_t*>(take(S * 4));
  v.block_tables = reinterpret_cast<const int32_t*>(take(S * h.block_table_stride * 4));
  v.logits_indices = reinterpret_cast<const int32_t*>(take(static_cast<size_t>(h.num_logits) * 4));
  v.state_slots = h.has_state_slots ? reinterpret_cast<const int32_t*>(take(S * 4)) : nullptr;
  v.num_tokens = h.num_tokens, v.num_seqs = h.num_seqs, v.num_logits = h.num_logits;
  v.block_table_stride = h.block_table_stride;
  v.max_query_len = h.max_query_len, v.max_seq_len = h.max_seq_len, v.num_decode_tokens = h.num_decode_tokens;
  CHECK_EQ(at, in.size());
  return v;
}

}  // namespace

TpLeaderModel::TpLeaderModel(std::unique_ptr<Model> shard, ModelConfig full, Communicator& comm)
    : shard_(std::move(shard)), full_(std::move(full)), comm_(comm) {
  CHECK_EQ(comm_.rank(), 0) << "only rank 0 leads";
}

TpLeaderModel::~TpLeaderModel() {
  StepHeader stop;
  stop.kind = kStop;
  comm_.Broadcast(&stop, sizeof(stop), 0);
}

void TpLeaderModel::Forward(const BatchView& batch, std::span<const KvLayer> kv, StateLayers state, float* logits) {
  CHECK(state.layers.empty()) << "tensor parallelism does not shard recurrent state yet";
  StepHeader h{.kind = kStep,
               .num_tokens = batch.num_tokens,
               .num_seqs = batch.num_seqs,
               .num_logits = batch.num_logits,
               .block_table_stride = batch.block_table_stride,
               .max_query_len = batch.max_query_len,
               .max_seq_len = batch.max_seq_len,
               .num_decode_tokens = batch.num_decode_tokens,
               .has_state_slots = batch.state_slots != nullptr,
               .num_kv_layers = static_cast<int32_t>(kv.size()),
               .kv_dtype = kv.empty() ? 0 : static_cast<int32_t>(kv[0].dtype),
               .block_size = kv.empty() ? 0 : kv[0].block_size,
               .blocks_used = 0};
  const int64_t table = static_cast<int64_t>(batch.num_seqs) * batch.block_table_stride;
  for (int64_t i = 0; i < table; ++i) h.blocks_used = std::max<int64_t>(h.blocks_used, batch.block_tables[i] + 1);
  static thread_local std::vector<std::byte> payload;
  Pack(h, batch, &payload);
  comm_.Broadcast(&h, sizeof(h), 0);
  comm_.Broadcast(payload.data(), payload.size(), 0);
  shard_->Forward(batch, kv, state, logits);
}

void RunTpWorker(Model& shard, Communicator& comm) {
  CHECK_NE(comm.rank(), 0);
  Backend& b = shard.backend();
  std::unique_ptr<CacheTensors> cache;
  KvCacheSpec cache_spec;
  std::vector<std::byte> payload;
  DeviceBuffer logits;
  for (int64_t steps = 0;; ++steps) {
    StepHeader h;
    comm.Broadcast(&h, sizeof(h), 0);
    if (h.kind == kStop) {
      LOG(INFO) << "tensor-parallel rank " << comm.rank() << ": rank 0 stopped after " << steps << " steps";
      return;
    }
    CHECK_EQ(h.kind, kStep) << "corrupt tensor-parallel step message";
    payload.resize(PayloadBytes(h));
    comm.Broadcast(payload.data(), payload.size(), 0);
    const DType dtype = static_cast<DType>(h.kv_dtype);
    const bool same_layout = cache && cache_spec.block_size == h.block_size && cache_spec.dtype == dtype;
    if (!same_layout || cache_spec.num_blocks < h.blocks_used) {
      const int64_t blocks = (std::max<int64_t>(h.blocks_used, 1) + 63) / 64 * 64;
      const KvCacheSpec want = shard.MakeKvSpec(h.block_size, blocks, dtype);
      auto grown = std::make_unique<CacheTensors>(b, want, shard.state_spec(), 0);
      if (same_layout) {  // keep the blocks already written: [num_blocks, ...] grows at the end
        const size_t keep = cache_spec.BytesPerLayer();
        for (size_t l = 0; l < cache->kv_layers().size(); ++l) {
          std::memcpy(grown->kv_layers()[l].k, cache->kv_layers()[l].k, keep);
          std::memcpy(grown->kv_layers()[l].v, cache->kv_layers()[l].v, keep);
        }
      }
      cache = std::move(grown);
      cache_spec = want;
    }
    CHECK_EQ(static_cast<size_t>(h.num_kv_layers), cache->kv_layers().size());
    const size_t logits_bytes =
        static_cast<size_t>(std::max(1, h.num_logits)) * static_cast<size_t>(shard.config().vocab_size) * 4;
    if (logits.size() < logits_bytes) logits = b.Alloc(logits_bytes);
    const BatchView view = b.Stage(Unpack(h, payload));
    shard.Forward(view, cache->kv_layers(), StateLayers{}, logits.data<float>());
  }
}

}  // namespace vllm
