#include "cli/served_model.h"

#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "dist/communicator.h"
#include "cli/tensor_parallel.h"
#include "util/logging.h"
#include "util/mem_available.h"
#include "tokenizer/load_tokenizer.h"

namespace vllm::cli {

namespace fs = std::filesystem;

int64_t EstimateModelBytes(const ModelSource& src, const EngineArgs& e) {
  if (src.dummy || src.dir.empty()) return 0;
  int64_t bytes = e.num_kv_blocks > 0 ? 0 : e.kv_cache_bytes;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(src.dir, ec))
    if (entry.path().extension() == ".safetensors")
      bytes += static_cast<int64_t>(fs::file_size(entry.path(), ec));
  return bytes;
}

// sentence-transformers checkpoints (e.g. Qwen3-Embedding) name their pooling in modules.json ->
// a sentence_transformers.models.Pooling module's folder -> config.json. "" when absent.
std::string CheckpointPooling(const std::string& dir) {
  if (dir.empty()) return "";
  auto read = [](const std::filesystem::path& p) -> nlohmann::json {
    std::ifstream f(p);
    if (!f) return nullptr;
    return nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  };
  const nlohmann::json modules = read(std::filesystem::path(dir) / "modules.json");
  std::string folder = "1_Pooling";
  if (modules.is_array())
    for (const auto& m : modules)
      if (m.is_object() && m.value("type", "") == "sentence_transformers.models.Pooling" && m.contains("path") &&
          m["path"].is_string())
        folder = m["path"].get<std::string>();
  const nlohmann::json cfg = read(std::filesystem::path(dir) / folder / "config.json");
  if (!cfg.is_object()) return "";
  auto on = [&](const char* key) { return cfg.contains(key) && cfg[key].is_boolean() && cfg[key].get<bool>(); };
  if (on("pooling_mode_lasttoken")) return "last";
  if (on("pooling_mode_mean_tokens")) return "mean";
  if (on("pooling_mode_cls_token")) return "cls";
  return "";
}

Result<server::LoadedModel> LoadServedModel(const ModelSource& src, const EngineArgs& e) {
  if (src.tokenizer_dir.empty())
    return NotFound("serve needs a tokenizer: '" + src.name + "' has no tokenizer.json");
  server::LoadedModel out;
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, LoadTokenizer(src.tokenizer_dir));
  out.tokenizer = std::move(tok);
  ASSIGN_OR_RETURN(const Device device, ParseDevice(e.device));
  Communicator* tp_comm = nullptr;  // ranks other than 0 serve rank 0's steps in LeadOrServeShard and exit there
  if (e.tensor_parallel_size > 1) {
    ASSIGN_OR_RETURN(tp_comm, WorldCommunicator(e.tensor_parallel_size));
  }
  if (tp_comm && e.data_parallel_size > 1)
    return Unimplemented("--data-parallel-size with --tensor-parallel-size is not supported yet");
  // Data parallel: each replica computes on its share of the cores (one pool each).
  int threads = e.threads;
  if (e.data_parallel_size > 1) {
    const int cores = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads = std::max(1, cores / e.data_parallel_size);
  }
  const ModelOptions model_opts{.max_num_tokens = e.max_num_batched_tokens, .num_threads = threads,
                                .device = device, .tp_comm = tp_comm};
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model, BuildModel(src, model_opts));
  if (tp_comm) model = LeadOrServeShard(std::move(model), src.config, *tp_comm);  // ranks > 0 end there
  int64_t kv_cache_bytes = e.kv_cache_bytes;
  if (e.gpu_memory_utilization > 0) {
    Backend& b = model->backend();
    if (b.TotalMemory() == 0)
      return InvalidArgument("--gpu-memory-utilization needs a GPU (this model runs on " + b.Describe() +
                             "; size the KV cache with --kv-cache-memory)");
    if (e.num_kv_blocks > 0) return InvalidArgument("give --gpu-memory-utilization or --num-kv-blocks, not both");
    // Step buffers allocated after the KV cache: logits for a full step's rows, the attention's
    // split scratch (16 splits of head_dim + 2 floats per token and head), and slack for
    // staging, sampling and graphs.
    const ModelConfig& c = model->config();
    const int64_t T = e.max_num_batched_tokens;
    const int64_t reserve = T * c.vocab_size * 4 + T * c.num_attention_heads * 16 * (c.head_dim + 2) * 4 +
                            (int64_t{256} << 20);
    ASSIGN_OR_RETURN(kv_cache_bytes,
                     KvBytesFromUtilization(e.gpu_memory_utilization, static_cast<int64_t>(b.TotalMemory()),
                                            static_cast<int64_t>(b.AvailableMemory()), reserve));
    LOG(INFO) << "--gpu-memory-utilization " << e.gpu_memory_utilization << ": KV cache "
              << (kv_cache_bytes >> 20) << " MiB";
  }
  // An oversized cache would start fine (untouched pages) and be OOM-killed under load: refuse
  // now. The backend knows its free memory after the weights (MemAvailable on the CPU, free
  // device memory on a GPU; 0 when unknown).
  const int64_t kv_bytes =
      e.num_kv_blocks > 0
          ? static_cast<int64_t>(model->MakeKvSpec(e.block_size, e.num_kv_blocks, e.kv_dtype).TotalBytes())
          : kv_cache_bytes;
  if (const size_t avail = model->backend().AvailableMemory(); avail > 0)
    RETURN_IF_ERROR(CheckKvCacheFits(kv_bytes, static_cast<int64_t>(avail),
                                     e.num_kv_blocks > 0 ? "--num-kv-blocks" : "--kv-cache-memory"));
  out.memory_bytes =
      static_cast<int64_t>(model->WeightBytes()) + (e.num_kv_blocks > 0 ? 0 : kv_cache_bytes);
  out.backend = model->backend().Describe();
  out.num_threads = model->backend().pool().num_threads();
  EngineConfig ec{.block_size = e.block_size,
                  .kv_cache_dtype = e.kv_dtype,
                  .num_kv_blocks = e.num_kv_blocks,
                  .kv_cache_memory_bytes = kv_cache_bytes,
                  .enable_prefix_caching = e.enable_prefix_caching,
                  .max_num_seqs = e.max_num_seqs,
                  .max_num_batched_tokens = e.max_num_batched_tokens,
                  .max_model_len = e.max_model_len,
                  .seed = e.seed,
                  .enforce_eager = e.enforce_eager,
                  .grammar_threads = e.grammar_threads,
                  .state_cache_memory_bytes = e.state_cache_bytes,
                  .state_snapshot_memory_bytes = e.state_snapshot_bytes};
  out.engine = std::make_unique<Engine>(std::move(model), out.tokenizer, ec);
  for (int i = 1; i < e.data_parallel_size; ++i) {  // replicas: same weights, own cache and scheduler
    ASSIGN_OR_RETURN(std::unique_ptr<Model> replica, BuildModel(src, model_opts));
    out.memory_bytes += static_cast<int64_t>(replica->WeightBytes()) + (e.num_kv_blocks > 0 ? 0 : kv_cache_bytes);
    EngineConfig rc = ec;
    rc.seed = ec.seed + static_cast<uint64_t>(i);  // unseeded requests: a different stream per replica
    out.replicas.push_back(std::make_unique<Engine>(std::move(replica), out.tokenizer, rc));
  }
  if (e.data_parallel_size > 1)
    LOG(INFO) << "'" << src.name << "': " << e.data_parallel_size << " data-parallel replicas of " << threads
              << " threads each (routed by load and prefix-cache affinity)";
  out.pooling = CheckpointPooling(src.dir);
  if (!out.pooling.empty()) {
    LOG(INFO) << "'" << src.name << "': embeddings pool '" << out.pooling << "' (1_Pooling/config.json)";
  }
  const std::string& tmpl = out.tokenizer->chat_template();
  if (tmpl.empty()) {
    LOG(WARNING) << "'" << src.name
                 << "': the tokenizer has no chat template: /v1/chat/completions and /v1/messages "
                 << "will answer 400";
  } else if (auto t = ChatTemplate::Parse(tmpl); t.ok()) {
    out.chat_template = std::move(t.value());
  } else {
    LOG(WARNING) << "'" << src.name
                 << "': chat template does not parse (chat endpoints will answer 400): "
                 << t.status().message();
  }
  const EngineStats st = out.engine->Stats();
  const int64_t kv_tokens = static_cast<int64_t>(st.kv_blocks_total) * st.block_size;
  LOG(INFO) << "'" << src.name << "': max_model_len " << out.engine->max_model_len()
            << ", KV blocks " << st.kv_blocks_total << " x " << st.block_size << " tokens";
  if (kv_tokens < out.engine->max_model_len()) {
    LOG(WARNING) << "the KV cache holds " << kv_tokens << " tokens, fewer than max_model_len "
                 << out.engine->max_model_len()
                 << ": longer requests answer 400 (raise --kv-cache-memory)";
  }
  return out;
}

}  // namespace vllm::cli
