// Builds a Model from a checkpoint directory or from random weights, dispatching on
// model_type once, at load (DESIGN.md §4). Both paths bind the same layout description
// (BindLlamaWeights) to a different WeightSource.
#include <cmath>
#include <cstdio>

#include "model/tp_llama.h"
#include "kernels/backend.h"
#include "model/dummy_weights.h"
#include "model/gemma3.h"
#include "model/gguf_config.h"
#include "model/gguf_weights.h"
#include "model/llama.h"
#include "model/nemotron_h.h"
#include "model/model.h"
#include "model/weight_loader.h"
#include "util/logging.h"

namespace vllm {

namespace {

Status CheckSupported(const ModelConfig& c) {
  if (IsArchitectureSupported(c.model_type)) return Status::Ok();
  return Unimplemented("architecture '" + c.model_type +
                       "' is not supported yet (supported: llama, qwen2, qwen3, qwen3_moe, gemma3, nemotron_h)");
}

// Tensor parallelism shards the llama family's layout (tp_llama.h) only.
Status CheckShardable(const ModelConfig& c) {
  if (c.model_type == "gemma3" || c.IsHybrid())
    return Unimplemented("--tensor-parallel-size: " + c.model_type +
                         " is not sharded yet (llama, qwen2, qwen3 and qwen3_moe are)");
  return Status::Ok();
}

Status SupportedBy(const Backend& backend, const ModelConfig& c) {
  RETURN_IF_ERROR(backend.SupportsAttention(c.num_attention_heads, c.num_key_value_heads, c.head_dim));
  if (c.num_experts > 0 && (!c.IsHybrid() || c.NumLayersOfKind('E') > 0))
    RETURN_IF_ERROR(backend.SupportsMoe().WithContext(c.model_type + " (mixture of experts)"));
  if (c.model_type == "gemma3") RETURN_IF_ERROR(backend.SupportsGemmaOps());
  if (c.IsHybrid()) RETURN_IF_ERROR(backend.SupportsMamba().WithContext(c.model_type + " (hybrid state-space)"));
  return Status::Ok();
}

Result<std::unique_ptr<Backend>> BackendFor(const ModelOptions& opts) {
  return MakeBackend({.device = opts.device, .num_threads = opts.num_threads});
}

// Binds the architecture's layout from `src` and drops it: counts a DummyWeightFactory's bytes.
Status BindOnly(const ModelConfig& config, WeightSource& src) {
  if (config.model_type == "nemotron_h") return BindNemotronHWeights(src, config).status();
  if (config.model_type == "gemma3") return BindGemma3Weights(src, config, /*norms_include_one=*/true).status();
  return BindLlamaWeights(src, config).status();
}

// Random weights must fit in 90% of the memory free now (0: unknown, no limit): a full-size
// preset on a small host fails with one line instead of being killed for memory.
Status CheckDummyFits(const ModelConfig& config, Backend& backend) {
  const size_t avail = backend.AvailableMemory();
  if (avail == 0) return Status::Ok();
  WeightArena none(backend);
  DummyWeightFactory counter(config, none, DummyWeightFactory::CountOnly{});
  RETURN_IF_ERROR(BindOnly(config, counter));
  const size_t need = counter.counted_bytes(), budget = avail / 10 * 9;
  if (need <= budget) return Status::Ok();
  const double gib = 1024.0 * 1024.0 * 1024.0;
  char buf[200];
  std::snprintf(buf, sizeof(buf), "%.2f GiB of weights, over the %.2f GiB this machine can give them",
                static_cast<double>(need) / gib, static_cast<double>(budget) / gib);
  return ResourceExhausted("random weights of this " + config.model_type + " model need " + buf +
                           " (use a smaller model or a reduced-depth config)");
}

// Binds the architecture's layout from `src` (which fills `arena`), then moves the arena into
// the new model. norms_include_one: gemma3's norm weights already hold (1 + w) (GGUF, dummy).
Result<std::unique_ptr<Model>> Build(const ModelConfig& config, std::unique_ptr<Backend> backend,
                                     WeightArena& arena, WeightSource& src, int64_t max_num_tokens,
                                     bool norms_include_one) {
  if (config.model_type == "gemma3") {
    ASSIGN_OR_RETURN(Gemma3Weights w, BindGemma3Weights(src, config, norms_include_one));
    return std::unique_ptr<Model>(new Gemma3Model(config, std::move(backend), std::move(arena), std::move(w),
                                                  max_num_tokens));
  }
  if (config.model_type == "nemotron_h") {
    ASSIGN_OR_RETURN(NemotronHWeights weights, BindNemotronHWeights(src, config));
    return std::unique_ptr<Model>(new NemotronHModel(config, std::move(backend), std::move(arena),
                                                     std::move(weights), max_num_tokens));
  }
  ASSIGN_OR_RETURN(LlamaWeights weights, BindLlamaWeights(src, config));
  return std::unique_ptr<Model>(new LlamaModel(config, std::move(backend), std::move(arena),
                                               std::move(weights), max_num_tokens));
}

}  // namespace

Result<std::unique_ptr<Model>> LoadModelFromDirectory(const std::string& dir, const ModelOptions& opts) {
  ASSIGN_OR_RETURN(ModelConfig config, LoadModelConfig(dir));
  RETURN_IF_ERROR(CheckSupported(config).WithContext(dir + "/config.json"));
  ASSIGN_OR_RETURN(WeightStore store, WeightStore::OpenDirectory(dir));
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(opts));
  RETURN_IF_ERROR(SupportedBy(*backend, config).WithContext(dir));
  WeightArena arena(*backend);
  WeightLoader loader(store, config, arena);
  if (opts.tp_comm) {
    RETURN_IF_ERROR(CheckShardable(config));
    return BindTensorParallelLlama(loader, config, *opts.tp_comm, std::move(backend), arena, opts.max_num_tokens);
  }
  // HF Gemma norms hold w of (1 + w): the 1 is added at load.
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Build(config, std::move(backend), arena, loader, opts.max_num_tokens,
                                                       /*norms_include_one=*/false));
  for (const auto& name : loader.Unused()) {
    // mlx-lm's sanitize drops these (mtp.*: Nemotron's multi-token-prediction head); anything
    // else unexpected is worth a warning.
    if (name.find("rotary_emb.inv_freq") != std::string::npos || name.rfind("mtp.", 0) == 0) continue;
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    LOG(WARNING) << "unused tensor '" << name << "' in " << store.FileOf(name);
  }
  return model;
}

Result<std::unique_ptr<Model>> LoadModelFromGguf(const std::string& path, const ModelOptions& opts) {
  if (opts.tp_comm) return Unimplemented(path + ": --tensor-parallel-size with a GGUF model is not supported yet");
  ASSIGN_OR_RETURN(GgufModel gguf, GgufModel::Open(path));
  ASSIGN_OR_RETURN(ModelConfig config, ModelConfigFromGguf(gguf));
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(opts));
  RETURN_IF_ERROR(SupportedBy(*backend, config).WithContext(gguf.path()));
  WeightArena arena(*backend);
  GgufWeightSource src(gguf, config, *backend, arena);
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model, Build(config, std::move(backend), arena, src, opts.max_num_tokens,
                                                       /*norms_include_one=*/true));
  for (const auto& name : src.Unused())
    if (name != "rope_freqs.weight") LOG(WARNING) << "unused tensor '" << name << "' in " << gguf.path();
  return model;
}

Result<std::unique_ptr<Model>> CreateDummyModelOn(std::unique_ptr<Backend> backend, const ModelConfig& config,
                                                  int64_t max_num_tokens, uint64_t seed) {
  RETURN_IF_ERROR(CheckSupported(config));
  RETURN_IF_ERROR(config.Validate());
  RETURN_IF_ERROR(SupportedBy(*backend, config));
  WeightArena arena(*backend);
  RETURN_IF_ERROR(CheckDummyFits(config, *backend));
  DummyWeightFactory factory(config, seed, arena);
  return Build(config, std::move(backend), arena, factory, max_num_tokens, /*norms_include_one=*/true);
}

Result<std::unique_ptr<Model>> CreateDummyModel(const ModelConfig& config, const ModelOptions& opts,
                                                uint64_t seed) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(opts));
  if (opts.tp_comm) {
    RETURN_IF_ERROR(CheckSupported(config));
    RETURN_IF_ERROR(config.Validate());
    RETURN_IF_ERROR(CheckShardable(config));
    WeightArena arena(*backend);
    DummyWeightFactory factory(config, seed, arena);
    return BindTensorParallelLlama(factory, config, *opts.tp_comm, std::move(backend), arena,
                                   opts.max_num_tokens);
  }
  return CreateDummyModelOn(std::move(backend), config, opts.max_num_tokens, seed);
}

}  // namespace vllm
