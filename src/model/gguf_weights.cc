#include "model/gguf_weights.h"

#include <cstring>
#include <regex>

#include "io/gguf_types.h"
#include "util/half.h"

namespace vllm {

std::string GgufWeightSource::GgufName(const std::string& hf) const {
  std::string base = hf, suffix;
  for (const char* s : {".weight", ".bias"}) {
    const size_t n = std::strlen(s);
    if (base.size() > n && base.compare(base.size() - n, n, s) == 0) {
      suffix = s;
      base.resize(base.size() - n);
      break;
    }
  }
  if (suffix.empty()) suffix = ".weight";
  if (base == "model.embed_tokens") return "token_embd" + suffix;
  if (base == "model.norm") return "output_norm" + suffix;
  if (base == "lm_head") return "output" + suffix;
  static const std::regex layer(R"(model\.layers\.(\d+)\.(.+))");
  std::smatch m;
  if (!std::regex_match(base, m, layer)) return "";
  const std::string blk = "blk." + m[1].str() + ".", rest = m[2].str();
  const bool gemma = config_.model_type == "gemma3";
  static const std::pair<const char*, const char*> kMap[] = {
      {"self_attn.q_proj", "attn_q"},      {"self_attn.k_proj", "attn_k"},     {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"}, {"self_attn.q_norm", "attn_q_norm"}, {"self_attn.k_norm", "attn_k_norm"},
      {"mlp.gate_proj", "ffn_gate"},       {"mlp.up_proj", "ffn_up"},          {"mlp.down_proj", "ffn_down"},
      {"input_layernorm", "attn_norm"},    {"pre_feedforward_layernorm", "ffn_norm"},
      {"post_feedforward_layernorm", "post_ffw_norm"},
  };
  if (rest == "post_attention_layernorm") return blk + (gemma ? "post_attention_norm" : "ffn_norm") + suffix;
  for (const auto& [from, to] : kMap)
    if (rest == from) return blk + to + suffix;
  return "";
}

bool GgufWeightSource::Has(const std::string& tensor) const {
  const std::string g = GgufName(tensor);
  return !g.empty() && gguf_.Find(g) != nullptr;
}

Result<const GgufTensor*> GgufWeightSource::Get(const std::string& hf_name) {
  const std::string g = GgufName(hf_name);
  const GgufTensor* t = g.empty() ? nullptr : gguf_.Find(g);
  if (!t)
    return NotFound(gguf_.path() + ": missing tensor '" + (g.empty() ? hf_name : g) + "' (" + config_.model_type +
                    " layout)");
  used_.insert(t->name);
  return t;
}

Result<const float*> GgufWeightSource::Vector(const std::string& name, int64_t size, float) {
  ASSIGN_OR_RETURN(const GgufTensor* t, Get(name));
  if (t->ne.size() != 1 || t->ne[0] != size)
    return InvalidArgument(t->file + ": tensor '" + t->name + "' has shape " + t->ShapeString() + ", expected [" +
                           std::to_string(size) + "]");
  DeviceBuffer out = DeviceBuffer::Host(static_cast<size_t>(size) * sizeof(float));
  float* dst = out.data<float>();
  const GgmlTypeInfo info = GgmlType(t->ggml_type);
  if (!info.dense || (info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16))
    return InvalidArgument(t->file + ": tensor '" + t->name + "' is " + GgmlTypeLabel(t->ggml_type) +
                           ", expected F32, F16 or BF16 for a norm weight");
  for (int64_t i = 0; i < size; ++i) {
    if (info.dtype == DType::kF32) {
      std::memcpy(dst + i, t->data + 4 * i, 4);
    } else {
      uint16_t h;
      std::memcpy(&h, t->data + 2 * i, 2);
      dst[i] = info.dtype == DType::kBF16 ? Bf16ToF32(h) : F16ToF32(h);
    }
  }
  return arena_.Add(std::move(out)).data<float>();
}

Result<WeightMatrix> GgufWeightSource::Matrix(const std::string& path, int64_t rows, int64_t cols, bool bias,
                                              MatrixInit) {
  ASSIGN_OR_RETURN(const GgufTensor* t, Get(path + ".weight"));
  if (t->ne.size() != 2 || t->ne[0] != cols || t->ne[1] != rows)
    return InvalidArgument(t->file + ": tensor '" + t->name + "' has ne " + t->ShapeString() + ", expected [" +
                           std::to_string(cols) + ", " + std::to_string(rows) + "] (a [" + std::to_string(rows) +
                           ", " + std::to_string(cols) + "] matrix)");
  const GgmlTypeInfo info = GgmlType(t->ggml_type);
  WeightMatrix w;
  w.rows = rows;
  w.cols = cols;
  if (info.block != BlockQuant::kNone) {
    w.block = info.block;
  } else if (info.dense && (info.dtype == DType::kF32 || info.dtype == DType::kF16 || info.dtype == DType::kBF16)) {
    w.dtype = info.dtype;
  } else {
    return InvalidArgument(t->file + ": tensor '" + t->name + "' is " + GgmlTypeLabel(t->ggml_type) +
                           ", not a weight format (supported: " + SupportedGgmlTypes() + ")");
  }
  RETURN_IF_ERROR(backend_.SupportsWeight(w).WithContext(t->file + ": tensor '" + t->name + "'"));
  const size_t row_bytes = w.RowBytes();
  DeviceBuffer host = DeviceBuffer::Host(t->num_bytes);
  // llama.cpp's converter permutes llama's Q and K rows per head for GGML's interleaved RoPE:
  // stored row h*D + 2i + j holds the HF row h*D + j*D/2 + i. Undo it (whole rows move, so any
  // format works).
  const bool q = path.ends_with("self_attn.q_proj"), k = path.ends_with("self_attn.k_proj");
  if (config_.model_type == "llama" && (q || k)) {
    const int64_t D = config_.head_dim, heads = rows / D;
    for (int64_t h = 0; h < heads; ++h)
      for (int64_t i = 0; i < D / 2; ++i)
        for (int64_t j = 0; j < 2; ++j)
          std::memcpy(host.data<uint8_t>() + (h * D + j * D / 2 + i) * row_bytes,
                      t->data + (h * D + 2 * i + j) * row_bytes, row_bytes);
  } else {
    std::memcpy(host.data(), t->data, t->num_bytes);
  }
  w.data = arena_.Add(std::move(host));
  if (bias) {
    ASSIGN_OR_RETURN(const float* b, Vector(path + ".bias", rows, 0.f));
    w.bias = BufferView{reinterpret_cast<const std::byte*>(b), static_cast<size_t>(rows) * sizeof(float)};
  }
  return w;
}

std::set<std::string> GgufWeightSource::Unused() const {
  std::set<std::string> unused;
  for (const auto& [name, t] : gguf_.tensors())
    if (!used_.count(name)) unused.insert(name);
  return unused;
}

}  // namespace vllm
