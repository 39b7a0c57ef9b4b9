#include "model/tp_shard_weights.h"

#include <cstring>
#include <functional>

namespace vllm {

namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Bytes of `cols` columns of one row's data, and of one row's scales/biases, in w's format.
size_t DataBytes(const WeightMatrix& w, int64_t cols) {
  return w.quantized ? static_cast<size_t>(cols * w.bits / 8) : static_cast<size_t>(cols) * DTypeSize(w.dtype);
}
size_t GroupBytes(const WeightMatrix& w, int64_t cols) {
  return static_cast<size_t>(cols / w.group_size) * DTypeSize(w.scale_dtype);
}

// A new buffer in the arena from `rows` pieces: piece i is `bytes` at src + offset(i).
BufferView Gather(const BufferView& src, int64_t rows, size_t bytes, const std::function<size_t(int64_t)>& offset,
                  WeightArena& arena) {
  if (src.empty() || bytes == 0) return {};
  DeviceBuffer out = DeviceBuffer::Host(static_cast<size_t>(rows) * bytes);
  for (int64_t i = 0; i < rows; ++i)
    std::memcpy(out.data() + static_cast<size_t>(i) * bytes, src.data() + offset(i), bytes);
  return arena.Add(std::move(out));
}

// Rows [e * stride + begin, e * stride + begin + n) of each of `num` stacked matrices, as one
// [num * n, cols] matrix (a rank's share of every expert's gate/up rows).
WeightMatrix CopyStackedRows(const WeightMatrix& w, int64_t num, int64_t stride, int64_t begin, int64_t n,
                             WeightArena& arena) {
  WeightMatrix out = w;
  out.rows = num * n;
  auto row = [&](int64_t i) { return (i / n) * stride + begin + i % n; };  // source row of out row i
  const size_t rb = w.RowBytes();
  out.data = Gather(w.data, out.rows, rb, [&](int64_t i) { return static_cast<size_t>(row(i)) * rb; }, arena);
  if (w.quantized) {
    const size_t gb = GroupBytes(w, w.cols);
    auto at = [&](int64_t i) { return static_cast<size_t>(row(i)) * gb; };
    out.scales = Gather(w.scales, out.rows, gb, at, arena);
    out.biases = Gather(w.biases, out.rows, gb, at, arena);
  }
  return out;  // stacked experts carry no Linear bias
}

}  // namespace

Result<ModelConfig> ShardConfig(const ModelConfig& full, ShardSpec shard) {
  const int64_t w = shard.world_size;
  auto need = [&](const char* what, int64_t n) -> Status {
    if (n % w == 0) return Status::Ok();
    return InvalidArgument("--tensor-parallel-size " + std::to_string(w) + " does not divide " + what + " (" +
                           std::to_string(n) + ")");
  };
  RETURN_IF_ERROR(need("num_attention_heads", full.num_attention_heads));
  const int64_t kv = full.num_key_value_heads;
  if (kv % w != 0 && w % kv != 0)
    return InvalidArgument("--tensor-parallel-size " + std::to_string(w) + " and num_key_value_heads (" +
                           std::to_string(kv) + ") must divide one another");
  bool any_dense = false;
  for (int64_t i = 0; i < full.num_hidden_layers; ++i) any_dense |= !full.IsSparseLayer(i);
  if (any_dense) RETURN_IF_ERROR(need("intermediate_size", full.intermediate_size));
  if (full.num_experts > 0) RETURN_IF_ERROR(need("moe_intermediate_size", full.moe_intermediate_size));
  ModelConfig c = full;
  c.num_attention_heads = full.num_attention_heads / w;
  c.num_key_value_heads = kv % w == 0 ? kv / w : 1;  // fewer KV heads than ranks: one, replicated
  if (any_dense) c.intermediate_size = full.intermediate_size / w;
  if (full.num_experts > 0) c.moe_intermediate_size = full.moe_intermediate_size / w;
  return c;
}

Result<WeightMatrix> CopyColumns(const WeightMatrix& w, int64_t begin, int64_t n, WeightArena& arena) {
  if (w.quantized && (begin % w.group_size != 0 || n % w.group_size != 0))
    return InvalidArgument("a tensor-parallel shard of " + std::to_string(n) + " columns at " +
                           std::to_string(begin) + " does not fall on whole quantization groups of " +
                           std::to_string(w.group_size));
  WeightMatrix out = w;
  out.cols = n;
  const size_t rb = w.RowBytes(), off = DataBytes(w, begin), len = DataBytes(w, n);
  out.data = Gather(w.data, w.rows, len, [&](int64_t i) { return static_cast<size_t>(i) * rb + off; }, arena);
  if (w.quantized) {
    const size_t gb = GroupBytes(w, w.cols), goff = GroupBytes(w, begin), glen = GroupBytes(w, n);
    auto at = [&](int64_t i) { return static_cast<size_t>(i) * gb + goff; };
    out.scales = Gather(w.scales, w.rows, glen, at, arena);
    out.biases = Gather(w.biases, w.rows, glen, at, arena);
  }
  return out;  // the Linear bias [rows] is untouched: the caller decides who keeps it
}

WeightMatrix ShardOutputProjection(const WeightMatrix& full, ShardSpec shard) {
  const int64_t n = full.rows / shard.world_size;
  return full.Rows(shard.rank * n, n);
}

Result<WeightMatrix> ShardingWeightSource::Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                                                  MatrixInit init) {
  const int64_t w = shard_.world_size, r = shard_.rank, D = full_.head_dim;
  const bool expert = path.find(".experts.") != std::string::npos;
  const int64_t I = expert ? full_.moe_intermediate_size : full_.intermediate_size;
  // Column-parallel: full rows, then this rank's row range (a view).
  auto column = [&](int64_t full_rows, int64_t begin) -> Result<WeightMatrix> {
    ASSIGN_OR_RETURN(WeightMatrix m, inner_.Matrix(path, full_rows, cols, bias, init));
    return m.Rows(begin, rows);
  };
  // Row-parallel: full columns, then this rank's column range (a copy); bias on rank 0 only.
  auto row = [&](int64_t full_cols) -> Result<WeightMatrix> {
    ASSIGN_OR_RETURN(WeightMatrix m, inner_.Matrix(path, rows, full_cols, bias, init));
    ASSIGN_OR_RETURN(WeightMatrix s, CopyColumns(m, r * cols, cols, arena_));
    if (r != 0) s.bias = {};
    return s;
  };
  if (EndsWith(path, "self_attn.q_proj")) return column(full_.num_attention_heads * D, r * rows);
  if (EndsWith(path, "self_attn.k_proj") || EndsWith(path, "self_attn.v_proj")) {
    const int64_t kv = full_.num_key_value_heads;
    const int64_t first_head = kv % w == 0 ? r * (kv / w) : r * kv / w;  // replicated: the head rank r's queries read
    return column(kv * D, first_head * D);
  }
  if (EndsWith(path, "self_attn.o_proj")) return row(full_.num_attention_heads * D);
  if (EndsWith(path, "gate_proj") || EndsWith(path, "up_proj")) return column(I, r * rows);
  if (EndsWith(path, "down_proj")) return row(I);
  return inner_.Matrix(path, rows, cols, bias, init);  // replicated (embedding, lm_head, router)
}

Result<WeightMatrix> ShardingWeightSource::StackedMatrix(const std::string& path, int64_t num, int64_t rows,
                                                         int64_t cols) {
  const int64_t w = shard_.world_size, r = shard_.rank;
  if (EndsWith(path, "gate_proj") || EndsWith(path, "up_proj")) {  // [E, I, H]: each expert's rows
    ASSIGN_OR_RETURN(WeightMatrix m, inner_.StackedMatrix(path, num, rows * w, cols));
    return CopyStackedRows(m, num, rows * w, r * rows, rows, arena_);
  }
  if (EndsWith(path, "down_proj")) {  // [E, H, I]: each row's column range
    ASSIGN_OR_RETURN(WeightMatrix m, inner_.StackedMatrix(path, num, rows, cols * w));
    return CopyColumns(m, r * cols, cols, arena_);
  }
  return inner_.StackedMatrix(path, num, rows, cols);
}

}  // namespace vllm
