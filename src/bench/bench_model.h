// The model side of every engine benchmark (issue #6): the MODEL argument and its options,
// declared once; one weight set loaded once and lent to several engines in turn (a
// benchmark compares engine configurations, e.g. prefix caching off and on, on the same
// weights, and building a 3B dummy model twice would cost more than the run).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bench/hardware.h"
#include "engine/engine.h"
#include "model/model_source.h"

namespace CLI {
class App;
}

namespace vllm::bench {

struct ModelArgs {
  std::string model;
  ModelSourceOptions source;         // --load-format (a preset name needs "dummy"), hub flags
  int threads = 0;                   // 0: the physical cores
  std::string device = "auto";
  bool enforce_eager = false;  // no CUDA graphs for decode steps
  int block_size = 16;
  std::string kv_cache_dtype = "auto";
  uint64_t seed = 0;  // dummy weights and sampling
  std::string output;  // --output FILE.json ("" = none)
  int tensor_parallel_size = 1;  // > 1: one shard per MPI rank (mpirun -np N); rank 0 reports
};

// Adds --model (also accepted positionally), --load-format, --revision, --gguf-file,
// --offline, --threads, --device, --enforce-eager, --block-size, --kv-cache-dtype, --seed and --output.
void AddModelArgs(CLI::App& app, ModelArgs* args);

// Fails early, before minutes of loading, when --output cannot be written.
Status CheckOutputWritable(const std::string& path);

class BenchModel {
 public:
  // Resolves and builds the model (a clear error for unknown models and for architectures
  // that are not supported yet). max_num_tokens sizes the forward scratch = the engine's
  // per-step token budget.
  // With --tensor-parallel-size N (under mpirun), ranks other than 0 run rank 0's steps inside
  // Load and return once rank 0 is done: the command then ends quietly (finished_as_tp_worker).
  static Result<BenchModel> Load(const ModelArgs& args, int64_t max_num_tokens);
  bool finished_as_tp_worker() const { return tp_worker_done_; }

  // A fresh engine over the shared weights. Only one engine may run at a time (the model's
  // scratch buffers are shared); destroy it before making the next.
  std::unique_ptr<Engine> MakeEngine(EngineConfig config) const;
  // EngineConfig with this model's budget, block size and KV dtype filled in.
  EngineConfig BaseConfig(int64_t num_kv_blocks, int32_t max_num_seqs, bool prefix_caching) const;

  const Model& model() const { return *model_; }
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  const ModelSource& source() const { return source_; }
  const HardwareInfo& hardware() const { return hardware_; }
  // "Qwen3-0.6B-8bit": the last path component, as the seed's tables name models.
  std::string ShortName() const;
  double load_seconds() const { return load_seconds_; }
  int32_t block_size() const { return args_.block_size; }
  int64_t KvCacheBytes(int64_t num_blocks) const;

  // Measures the memory read bandwidth for the hardware line. Call it after reading the peak
  // RSS: it streams through a 512 MiB buffer.
  void MeasureBandwidth();

  // The hardware line and the model line every report starts with.
  std::string Header() const;
  // Fields shared by every --output JSON: model, load format, hardware, engine settings.
  nlohmann::json JsonHeader(const std::string& command) const;
  // The "memory" object of every --output JSON: weights, KV cache (blocks, bytes), peak RSS.
  nlohmann::json MemoryJson(int64_t kv_blocks, int64_t peak_rss_bytes) const;

 private:
  ModelArgs args_;
  ModelSource source_;
  std::shared_ptr<Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  HardwareInfo hardware_;
  DType kv_dtype_ = DType::kBF16;
  int64_t max_num_tokens_ = 0;
  double load_seconds_ = 0;
  bool tp_worker_done_ = false;
};

// Prints "error: ..." on stderr; returns the exit code 1.
int Fail(const Status& st);

}  // namespace vllm::bench
