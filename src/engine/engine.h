// Engine: many requests share one model through the scheduler, over the paged KV cache.
//
//   Submit (any thread) -> input queue -> engine thread: Step() = schedule -> run + sample
//   (runner) -> update + token stop checks (scheduler) -> emit token ids -> OutputStream of
//   each request, whose reader turns them into text and checks stop strings
//
// Only the engine thread touches the scheduler, KV manager, runner and sampler; other
// threads talk to it through the input queue (Submit, Abort, ResetPrefixCache) and read
// results from OutputStreams and Stats(). Without Start(), Step() can be driven
// synchronously (CLI generate, tests, benchmarks).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/output_stream.h"
#include "grammar/grammar_vocab.h"
#include "kv_cache/kv_cache_manager.h"
#include "model/model.h"
#include "runner/model_runner.h"
#include "sampler/sampling_params.h"
#include "scheduler/scheduler.h"
#include "tokenizer/tokenizer.h"

namespace vllm {

struct EngineConfig {
  int32_t block_size = 16;
  DType kv_cache_dtype = DType::kBF16;          // kF32 for tests against f32 references
  int64_t num_kv_blocks = 0;                    // 0: derived from kv_cache_memory_bytes
  int64_t kv_cache_memory_bytes = int64_t{1} << 30;
  bool enable_prefix_caching = true;
  int32_t max_num_seqs = 256;
  int32_t max_num_batched_tokens = 2048;
  int64_t max_model_len = 0;                    // 0: the model's max_position_embeddings
  bool check_invariants = false;                // debug: verify the block pool after each step
  uint64_t seed = 0;                            // derives seeds of unseeded requests
  bool enforce_eager = false;                   // no decode graphs (runner/decode_graph.h)
  int grammar_threads = -1;                     // grammar mask threads, -1 auto (runner/model_runner.h)
  // Models with recurrent layers (nemotron_h): the per-sequence state slots take at most this
  // many bytes; fewer slots than max_num_seqs clamp the running batch (logged).
  int64_t state_cache_memory_bytes = int64_t{4} << 30;
  // > 0 (and prefix caching on): prefix caching for such models through state snapshots at
  // block boundaries, at most this many bytes of them. 0: prefix caching off for them.
  int64_t state_snapshot_memory_bytes = 0;
};

struct EngineRequest {
  std::string request_id;  // unique among live requests
  std::vector<int32_t> prompt_token_ids;
  SamplingParams params;
  uint64_t cache_salt = 0;  // requests with different salts never share cached blocks
};

struct EngineStats {
  int64_t num_running = 0;
  int64_t num_waiting = 0;  // includes requests queued for the engine thread
  int32_t kv_blocks_total = 0;
  int32_t kv_blocks_used = 0;
  int32_t kv_blocks_cached = 0;
  int32_t kv_blocks_shared = 0;
  int64_t kv_block_refs = 0;        // block-table entries of live sequences (no sharing: = used)
  int64_t kv_blocks_allocated = 0;  // cumulative fresh blocks handed out (prefix hits excluded)
  int32_t block_size = 0;
  PrefixCacheStats prefix;
  int64_t evictions = 0;
  int32_t state_slots_total = 0;  // the state group (models with recurrent layers; else 0)
  int32_t state_slots_free = 0;
  int32_t state_snapshots_total = 0;     // saved states for prefix caching (0: off)
  int32_t state_snapshots_attached = 0;  // of which attached to a cached block now
  int64_t state_snapshot_hits = 0;       // admissions that started from a snapshot
  int64_t preemptions = 0;
  int64_t num_steps = 0;
  int64_t prompt_tokens_computed = 0;  // prompt tokens actually run through the model
  int64_t generation_tokens = 0;
  int64_t finished_requests = 0;
};

class Engine {
 public:
  // tokenizer may be null: outputs then carry token ids and no text, and stop strings are
  // rejected at Submit.
  Engine(std::shared_ptr<Model> model, std::shared_ptr<const Tokenizer> tokenizer, EngineConfig config);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and queues a request; the stream carries its outputs. Thread-safe.
  Result<std::shared_ptr<OutputStream>> Submit(EngineRequest req);
  // Ends a request wherever it is (queued, waiting, mid-prefill, decoding); its blocks return
  // to the pool and its stream gets a final "abort" output. Unknown ids are ignored.
  void Abort(const std::string& request_id);
  void ResetPrefixCache();

  void Start();  // runs Step() on a dedicated thread until Stop()
  void Stop();

  // One engine iteration on the calling thread (only when not Start()ed). False when idle.
  bool Step();
  // Synchronous mode only (reads engine-thread state).
  bool HasWork();

  EngineStats Stats() const;
  const ModelConfig& model_config() const { return model_->config(); }
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  int64_t max_model_len() const { return sched_config_.max_model_len; }
  const EngineConfig& config() const { return config_; }

 private:
  void LogStateGroup() const;  // the state group's size and the prefix-caching note
  struct Sequence;
  struct PendingRequest;

  // Stop-string stops reported by output streams (reader threads); shared so that a stream
  // outliving the engine reports into nothing.
  struct StopInbox {
    std::mutex mu;
    std::vector<std::pair<std::string, int32_t>> stops;  // (request id, sequence index)
  };

  void DrainInputs();
  void AddToScheduler(std::unique_ptr<Sequence> seq);
  void EmitOutputs(const ModelRunnerOutput& ran, const std::vector<FinishedSeq>& finished);
  void CountPromptTokens(const SchedulerOutput& out);
  void Pool(Sequence& seq, const HiddenRowsChunk& chunk);
  void FinishSequence(int64_t seq_id, FinishReason reason, RequestOutput out);
  void AbortNow(const std::string& request_id);
  void StopNow(const std::string& request_id, int32_t index);
  void ReleaseDeferredSiblings();
  void PublishStats();
  void Loop();
  // The model's vocabulary for grammars, built on first use (any thread).
  Result<const GrammarVocab*> Grammar();

  std::shared_ptr<Model> model_;  // shared: benchmarks lend one weight set to successive engines
  std::shared_ptr<const Tokenizer> tokenizer_;
  EngineConfig config_;
  SchedulerConfig sched_config_;
  std::vector<int32_t> eos_ids_;
  std::mutex grammar_mu_;
  std::unique_ptr<GrammarVocab> grammar_vocab_;  // guarded by grammar_mu_ until set

  // Engine-thread state.
  KvCacheManager kv_;
  Scheduler sched_;
  ModelRunner runner_;
  std::shared_ptr<StopInbox> stop_inbox_ = std::make_shared<StopInbox>();
  std::unordered_map<int64_t, std::unique_ptr<Sequence>> seqs_;
  std::unordered_map<std::string, std::vector<int64_t>> request_seqs_;
  // Siblings (n > 1) held back until their first sibling's prompt is in the cache, so they
  // start from its blocks instead of recomputing the prompt. Keyed by the leader's seq id.
  std::multimap<int64_t, std::unique_ptr<Sequence>> deferred_;
  int64_t prompt_tokens_computed_ = 0, generation_tokens_ = 0, finished_requests_ = 0;

  // Input queue (any thread).
  mutable std::mutex in_mu_;
  std::condition_variable in_cv_;
  std::vector<std::unique_ptr<PendingRequest>> pending_;
  std::vector<std::string> pending_aborts_;
  bool pending_reset_ = false;
  std::unordered_map<std::string, int> live_requests_;  // id -> open sequences
  int64_t next_seq_id_ = 1;
  bool stop_ = false;

  mutable std::mutex stats_mu_;
  EngineStats stats_;
  std::thread thread_;
  std::atomic<bool> running_thread_{false};
};

}  // namespace vllm
