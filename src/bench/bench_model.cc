#include "bench/bench_model.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "bench/model_flags.h"
#include "dist/communicator.h"
#include "runner/tp_step.h"
#include "util/cpu_info.h"
#include "tokenizer/load_tokenizer.h"

namespace vllm::bench {

void AddModelArgs(CLI::App& app, ModelArgs* a) {
  // The seed spells it `--model M`; a positional MODEL works too, as in the other commands.
  app.add_option("--model,model", a->model,
                 "Checkpoint directory, hub name ORG/NAME[@REV], or preset name (see `vllm-cpp models`)")
      ->required();
  AddModelSourceFlags(app, &a->source);
  app.add_option("--threads", a->threads, "Worker threads (0: the physical cores)")->capture_default_str();
  app.add_option("--tensor-parallel-size", a->tensor_parallel_size,
                 "Shard the model over this many processes (run under mpirun -np N; rank 0 reports)")
      ->capture_default_str();
  app.add_option("--device", a->device, "cpu | cuda | auto (cuda when built with it and a GPU is present)")
      ->capture_default_str();
  app.add_flag("--enforce-eager", a->enforce_eager, "Run every step eagerly: no CUDA graphs for decode steps");
  app.add_option("--block-size", a->block_size, "KV cache block size in tokens")->capture_default_str();
  app.add_option("--kv-cache-dtype", a->kv_cache_dtype, "auto (bf16) | bf16 | f16 | f32")->capture_default_str();
  app.add_option("--seed", a->seed, "Seed of the dummy weights and of sampling")->capture_default_str();
  app.add_option("--output", a->output, "Also write every figure to this JSON file (docs/BENCHMARKS.md: schema)");
}

Status CheckOutputWritable(const std::string& path) {
  if (path.empty()) return Status::Ok();
  std::error_code ec;
  const bool existed = std::filesystem::exists(path, ec);
  std::ofstream f(path, std::ios::app);
  if (!f) return InvalidArgument("cannot write --output file '" + path + "'");
  f.close();
  if (!existed) std::filesystem::remove(path, ec);
  return Status::Ok();
}

Result<BenchModel> BenchModel::Load(const ModelArgs& args, int64_t max_num_tokens) {
  if (args.threads < 0) return InvalidArgument("--threads must be >= 0");
  if (args.tensor_parallel_size < 1) return InvalidArgument("--tensor-parallel-size must be >= 1");
  if (args.block_size <= 0) return InvalidArgument("--block-size must be > 0");
  BenchModel bm;
  bm.args_ = args;
  bm.max_num_tokens_ = max_num_tokens;
  ASSIGN_OR_RETURN(bm.kv_dtype_, ParseKvCacheDtype(args.kv_cache_dtype));
  ASSIGN_OR_RETURN(bm.source_, ResolveModelSource(args.model, args.source));
  // Before the tokenizer: a preset of an unimplemented architecture may ship none, and "not
  // supported yet" is the error that matters.
  if (!IsArchitectureSupported(bm.source_.config.model_type))
    return Unimplemented("model '" + args.model + "': architecture '" + bm.source_.config.model_type +
                         "' is not supported yet (`vllm-cpp models` lists what runs)");
  if (bm.source_.tokenizer_dir.empty())
    return NotFound("model '" + args.model + "' has no tokenizer.json: the benchmarks encode fixed prompt texts");
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tok, LoadTokenizer(bm.source_.tokenizer_dir));
  bm.tokenizer_ = std::move(tok);
  const int threads = args.threads > 0 ? args.threads : std::max(1, PhysicalCoreCount());
  bm.hardware_ = DetectHardware(threads);
  ASSIGN_OR_RETURN(const Device device, ParseDevice(args.device));
  const auto t0 = std::chrono::steady_clock::now();
  Communicator* tp_comm = nullptr;
  if (args.tensor_parallel_size > 1) {
    ASSIGN_OR_RETURN(tp_comm, WorldCommunicator(args.tensor_parallel_size));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
                   BuildModel(bm.source_,
                              {.max_num_tokens = max_num_tokens, .num_threads = threads, .device = device,
                               .tp_comm = tp_comm},
                              args.seed));
  if (tp_comm && tp_comm->rank() != 0) {  // serve rank 0's steps until its benchmark ends
    RunTpWorker(*model, *tp_comm);
    bm.tp_worker_done_ = true;
    return bm;
  }
  if (tp_comm) model = std::make_unique<TpLeaderModel>(std::move(model), bm.source_.config, *tp_comm);
  bm.load_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  bm.model_ = std::move(model);
  if (bm.model_->backend().device() != Device::kCpu) bm.hardware_.gpu = bm.model_->backend().Describe();
  return bm;
}

EngineConfig BenchModel::BaseConfig(int64_t num_kv_blocks, int32_t max_num_seqs, bool prefix_caching) const {
  return {.block_size = args_.block_size,
          .kv_cache_dtype = kv_dtype_,
          .num_kv_blocks = num_kv_blocks,
          .enable_prefix_caching = prefix_caching,
          .max_num_seqs = max_num_seqs,
          .max_num_batched_tokens = static_cast<int32_t>(max_num_tokens_),
          .seed = args_.seed,
          .enforce_eager = args_.enforce_eager};
}

std::unique_ptr<Engine> BenchModel::MakeEngine(EngineConfig config) const {
  return std::make_unique<Engine>(model_, tokenizer_, config);
}

void BenchModel::MeasureBandwidth() {
  hardware_.read_bandwidth_gbs = MeasureReadBandwidth(hardware_.threads_used);
}

std::string BenchModel::ShortName() const {
  std::string s = source_.name;
  while (!s.empty() && s.back() == '/') s.pop_back();
  const size_t slash = s.rfind('/');
  return slash == std::string::npos ? s : s.substr(slash + 1);
}

int64_t BenchModel::KvCacheBytes(int64_t num_blocks) const {
  return static_cast<int64_t>(model_->MakeKvSpec(args_.block_size, num_blocks, kv_dtype_).TotalBytes());
}

std::string BenchModel::Header() const {
  return "Hardware: " + FormatHardware(hardware_) + "\nModel: " + source_.name + " (" +
         (source_.dummy ? "dummy weights" : "safetensors weights") + ", " + source_.config.model_type +
         ", block size " + std::to_string(args_.block_size) + ", KV cache " + args_.kv_cache_dtype + ")\n";
}

nlohmann::json BenchModel::JsonHeader(const std::string& command) const {
  return {{"command", command},
          {"model", source_.name},
          {"model_type", source_.config.model_type},
          {"load_format", source_.dummy ? "dummy" : "safetensors"},
          {"load_seconds", load_seconds_},
          {"hardware", HardwareToJson(hardware_)},
          {"engine", {{"block_size", args_.block_size},
                      {"kv_cache_dtype", args_.kv_cache_dtype},
                      {"max_num_batched_tokens", max_num_tokens_},
                      {"threads", hardware_.threads_used},
                      {"tensor_parallel_size", args_.tensor_parallel_size},
                      {"seed", args_.seed}}}};
}

nlohmann::json BenchModel::MemoryJson(int64_t kv_blocks, int64_t peak_rss_bytes) const {
  return {{"weight_bytes", model().WeightBytes()},
          {"kv_cache_blocks", kv_blocks},
          {"kv_cache_bytes", KvCacheBytes(kv_blocks)},
          {"peak_rss_bytes", peak_rss_bytes}};
}

int Fail(const Status& st) {
  std::fprintf(stderr, "error: %s\n", st.message().c_str());
  return 1;
}

}  // namespace vllm::bench
