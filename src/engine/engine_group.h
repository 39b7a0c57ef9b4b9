// EngineGroup: data-parallel replicas (issue 20 point 3): N engines, each with its own model
// copy, scheduler and KV cache, behind one endpoint. The server talks to the group as it
// would to one Engine (the same calls); each request goes to one replica:
//
//   Submit -> prefix affinity: the replica that last took the longest block-aligned prefix of
//             this prompt (same cache salt) holds those blocks in its prefix cache -> go there,
//             unless it is busier than the least loaded replica by more than `affinity_slack`
//             requests; else the least loaded (running + waiting) replica
//          -> remember the prompt's prefixes -> that replica
//   Abort, ResetPrefixCache, Start, Stop -> every replica (an engine ignores unknown ids)
//   Stats -> sums over the replicas
//
// One replica is a group of one: the server always holds a group. Thread-safe as Engine is.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/engine.h"

namespace vllm {

class EngineGroup {
 public:
  // replicas: at least one, all of the same model and engine config.
  explicit EngineGroup(std::vector<std::unique_ptr<Engine>> replicas, int64_t affinity_slack = 4);

  Result<std::shared_ptr<OutputStream>> Submit(EngineRequest req);
  void Abort(const std::string& request_id);
  void ResetPrefixCache();
  void Start();
  void Stop();
  EngineStats Stats() const;

  // The group as one engine: replica 0's config with max_num_seqs summed (admission capacity).
  const EngineConfig& config() const { return config_; }
  const ModelConfig& model_config() const { return replicas_[0]->model_config(); }
  const Tokenizer* tokenizer() const { return replicas_[0]->tokenizer(); }
  int64_t max_model_len() const { return replicas_[0]->max_model_len(); }

  int size() const { return static_cast<int>(replicas_.size()); }
  Engine& replica(int i) { return *replicas_[i]; }
  // Which replica Submit would pick for this prompt now (tests, logs).
  int Route(const std::vector<int32_t>& prompt, uint64_t cache_salt) const;
  // Requests each replica was given (tests: routing spreads load / keeps affinity).
  std::vector<int64_t> Routed() const;

 private:
  // Hashes of the prompt's block-aligned prefixes, shortest first (at most kMaxPrefixBlocks).
  std::vector<uint64_t> PrefixKeys(const std::vector<int32_t>& prompt, uint64_t cache_salt) const;
  int RouteLocked(const std::vector<uint64_t>& keys) const;

  static constexpr size_t kMaxPrefixBlocks = 64;
  static constexpr size_t kMaxRemembered = size_t{1} << 16;  // then forget everything (bounded memory)

  std::vector<std::unique_ptr<Engine>> replicas_;
  EngineConfig config_;
  int64_t affinity_slack_;
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, int> prefix_owner_;  // prefix hash -> replica that took it last
  std::vector<int64_t> routed_;
};

}  // namespace vllm
