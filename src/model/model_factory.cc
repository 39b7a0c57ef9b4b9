// Builds a Model from a checkpoint directory or from random weights, dispatching on
// model_type once, at load (DESIGN.md §4). Both paths bind the same layout description
// (BindLlamaWeights) to a different WeightSource.
#include <cmath>

#include "kernels/backend.h"
#include "model/dummy_weights.h"
#include "model/gemma3.h"
#include "model/gguf_config.h"
#include "model/gguf_weights.h"
#include "model/llama.h"
#include "model/model.h"
#include "model/weight_loader.h"
#include "util/logging.h"

namespace vllm {

namespace {

Status CheckSupported(const ModelConfig& c) {
  if (IsArchitectureSupported(c.model_type)) return Status::Ok();
  return Unimplemented("architecture '" + c.model_type +
                       "' is not supported yet (supported: llama, qwen2, qwen3, qwen3_moe, gemma3)");
}

Status SupportedBy(const Backend& backend, const ModelConfig& c) {
  RETURN_IF_ERROR(backend.SupportsAttention(c.num_attention_heads, c.num_key_value_heads, c.head_dim));
  if (c.num_experts > 0)
    RETURN_IF_ERROR(backend.SupportsMoe().WithContext(c.model_type + " (mixture of experts)"));
  if (c.model_type == "gemma3") RETURN_IF_ERROR(backend.SupportsGemmaOps());
  return Status::Ok();
}

Result<std::unique_ptr<Backend>> BackendFor(const ModelOptions& opts) {
  return MakeBackend({.device = opts.device, .num_threads = opts.num_threads});
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
  if (config.model_type == "gemma3") {
    // HF Gemma norms hold w of (1 + w): the 1 is added at load.
    ASSIGN_OR_RETURN(Gemma3Weights w, BindGemma3Weights(loader, config, /*norms_include_one=*/false));
    for (const auto& name : loader.Unused()) LOG(WARNING) << "unused tensor '" << name << "' in " << store.FileOf(name);
    return std::unique_ptr<Model>(
        new Gemma3Model(std::move(config), std::move(backend), std::move(arena), std::move(w), opts.max_num_tokens));
  }
  ASSIGN_OR_RETURN(LlamaWeights weights, BindLlamaWeights(loader, config));
  for (const auto& name : loader.Unused()) {
    // mlx-lm's sanitize drops these; anything else unexpected is worth a warning.
    if (name.find("rotary_emb.inv_freq") != std::string::npos) continue;
    if (name == "lm_head.weight" && config.tie_word_embeddings) continue;
    LOG(WARNING) << "unused tensor '" << name << "' in " << store.FileOf(name);
  }
  return std::unique_ptr<Model>(new LlamaModel(std::move(config), std::move(backend), std::move(arena),
                                               std::move(weights), opts.max_num_tokens));
}

Result<std::unique_ptr<Model>> LoadModelFromGguf(const std::string& path, const ModelOptions& opts) {
  ASSIGN_OR_RETURN(GgufModel gguf, GgufModel::Open(path));
  ASSIGN_OR_RETURN(ModelConfig config, ModelConfigFromGguf(gguf));
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(opts));
  RETURN_IF_ERROR(SupportedBy(*backend, config).WithContext(gguf.path()));
  WeightArena arena(*backend);
  GgufWeightSource src(gguf, config, *backend, arena);
  std::unique_ptr<Model> model;
  if (config.model_type == "gemma3") {
    ASSIGN_OR_RETURN(Gemma3Weights w, BindGemma3Weights(src, config, /*norms_include_one=*/true));
    model.reset(new Gemma3Model(config, std::move(backend), std::move(arena), std::move(w), opts.max_num_tokens));
  } else {
    ASSIGN_OR_RETURN(LlamaWeights w, BindLlamaWeights(src, config));
    model.reset(new LlamaModel(config, std::move(backend), std::move(arena), std::move(w), opts.max_num_tokens));
  }
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
  DummyWeightFactory factory(config, seed, arena);
  if (config.model_type == "gemma3") {
    ASSIGN_OR_RETURN(Gemma3Weights w, BindGemma3Weights(factory, config, /*norms_include_one=*/true));
    return std::unique_ptr<Model>(
        new Gemma3Model(config, std::move(backend), std::move(arena), std::move(w), max_num_tokens));
  }
  ASSIGN_OR_RETURN(LlamaWeights weights, BindLlamaWeights(factory, config));
  return std::unique_ptr<Model>(new LlamaModel(config, std::move(backend), std::move(arena),
                                               std::move(weights), max_num_tokens));
}

Result<std::unique_ptr<Model>> CreateDummyModel(const ModelConfig& config, const ModelOptions& opts,
                                                uint64_t seed) {
  ASSIGN_OR_RETURN(std::unique_ptr<Backend> backend, BackendFor(opts));
  return CreateDummyModelOn(std::move(backend), config, opts.max_num_tokens, seed);
}

}  // namespace vllm
