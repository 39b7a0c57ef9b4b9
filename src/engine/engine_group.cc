#include "engine/engine_group.h"

#include <algorithm>

#include "util/check.h"

namespace vllm {

namespace {

uint64_t Mix(uint64_t h, uint64_t v) {  // splitmix64 step over the running hash
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ULL;
  return h ^ (h >> 27);
}

int64_t Load(const EngineStats& s) { return s.num_running + s.num_waiting; }

}  // namespace

EngineGroup::EngineGroup(std::vector<std::unique_ptr<Engine>> replicas, int64_t affinity_slack)
    : replicas_(std::move(replicas)), affinity_slack_(affinity_slack), routed_(replicas_.size(), 0) {
  CHECK(!replicas_.empty()) << "an engine group needs at least one engine";
  config_ = replicas_[0]->config();
  config_.max_num_seqs = 0;
  for (const auto& e : replicas_) config_.max_num_seqs += e->config().max_num_seqs;
}

std::vector<uint64_t> EngineGroup::PrefixKeys(const std::vector<int32_t>& prompt, uint64_t cache_salt) const {
  const size_t bs = static_cast<size_t>(std::max<int32_t>(1, config_.block_size));
  std::vector<uint64_t> keys;
  uint64_t h = Mix(0x5ca1ab1eULL, cache_salt);
  for (size_t b = 0; b < kMaxPrefixBlocks && (b + 1) * bs <= prompt.size(); ++b) {
    for (size_t i = b * bs; i < (b + 1) * bs; ++i) h = Mix(h, static_cast<uint32_t>(prompt[i]));
    keys.push_back(h);
  }
  return keys;
}

int EngineGroup::RouteLocked(const std::vector<uint64_t>& keys) const {
  const int n = size();
  if (n == 1) return 0;
  std::vector<int64_t> load(n);
  for (int i = 0; i < n; ++i) load[i] = Load(replicas_[i]->Stats());
  int least = 0;  // ties: the replica given fewer requests so far, so an idle group alternates
  for (int i = 1; i < n; ++i)
    if (load[i] < load[least] || (load[i] == load[least] && routed_[i] < routed_[least])) least = i;
  for (auto k = keys.rbegin(); k != keys.rend(); ++k) {  // longest cached prefix first
    auto it = prefix_owner_.find(*k);
    if (it == prefix_owner_.end()) continue;
    if (load[it->second] <= load[least] + affinity_slack_) return it->second;
    break;  // the owner is too busy: balance instead
  }
  return least;
}

int EngineGroup::Route(const std::vector<int32_t>& prompt, uint64_t cache_salt) const {
  const std::vector<uint64_t> keys = PrefixKeys(prompt, cache_salt);
  std::lock_guard<std::mutex> lock(mu_);
  return RouteLocked(keys);
}

std::vector<int64_t> EngineGroup::Routed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return routed_;
}

Result<std::shared_ptr<OutputStream>> EngineGroup::Submit(EngineRequest req) {
  const std::vector<uint64_t> keys = PrefixKeys(req.prompt_token_ids, req.cache_salt);
  int target = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    target = RouteLocked(keys);
    if (prefix_owner_.size() + keys.size() > kMaxRemembered) prefix_owner_.clear();
    for (uint64_t k : keys) prefix_owner_[k] = target;
    ++routed_[target];
  }
  return replicas_[target]->Submit(std::move(req));
}

void EngineGroup::Abort(const std::string& request_id) {
  for (auto& e : replicas_) e->Abort(request_id);
}

void EngineGroup::ResetPrefixCache() {
  for (auto& e : replicas_) e->ResetPrefixCache();
  std::lock_guard<std::mutex> lock(mu_);
  prefix_owner_.clear();
}

void EngineGroup::Start() {
  for (auto& e : replicas_) e->Start();
}

void EngineGroup::Stop() {
  for (auto& e : replicas_) e->Stop();
}

EngineStats EngineGroup::Stats() const {
  EngineStats t = replicas_[0]->Stats();
  for (size_t i = 1; i < replicas_.size(); ++i) {
    const EngineStats s = replicas_[i]->Stats();
    t.num_running += s.num_running, t.num_waiting += s.num_waiting;
    t.kv_blocks_total += s.kv_blocks_total, t.kv_blocks_used += s.kv_blocks_used;
    t.kv_blocks_cached += s.kv_blocks_cached, t.kv_blocks_shared += s.kv_blocks_shared;
    t.kv_block_refs += s.kv_block_refs, t.kv_blocks_allocated += s.kv_blocks_allocated;
    t.prefix.queries += s.prefix.queries, t.prefix.full_hits += s.prefix.full_hits;
    t.prefix.partial_hits += s.prefix.partial_hits, t.prefix.misses += s.prefix.misses;
    t.prefix.queried_tokens += s.prefix.queried_tokens, t.prefix.hit_tokens += s.prefix.hit_tokens;
    t.evictions += s.evictions;
    t.state_slots_total += s.state_slots_total, t.state_slots_free += s.state_slots_free;
    t.preemptions += s.preemptions, t.num_steps += s.num_steps;
    t.prompt_tokens_computed += s.prompt_tokens_computed, t.generation_tokens += s.generation_tokens;
    t.finished_requests += s.finished_requests;
  }
  return t;
}

}  // namespace vllm
