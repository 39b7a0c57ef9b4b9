// ModelRunner: SchedulerOutput -> BatchInputs -> Model::Forward -> sampled tokens, as vLLM
// v1's execute_model: the engine gets token ids (and requested logprobs), never logits.
// Owns the cache memory (CacheTensors) and each live sequence's sampling state; block and
// slot ids come from the KvCacheManager. Mechanics only: which sequences run is the
// scheduler's business, which tokens end a sequence the scheduler's too.
#pragma once

#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "grammar/grammar_matcher.h"
#include "runner/mask_workers.h"
#include "kv_cache/kv_cache_manager.h"
#include "model/model.h"
#include "runner/batch_inputs.h"
#include "runner/cache_tensors.h"
#include "runner/decode_graph.h"
#include "sampler/sample_output.h"
#include "sampler/sampling_batch.h"
#include "scheduler/scheduler.h"

namespace vllm {

struct RunnerConfig {
  int64_t block_size = 16;
  int64_t num_blocks = 0;
  DType kv_dtype = DType::kBF16;
  int32_t num_state_slots = 0;  // the state group's size (models with recurrent layers)
  int32_t num_state_snapshots = 0;  // saved states for prefix caching (slots after the above)
  std::vector<int32_t> eos_ids;  // masked while a sequence is under its min_tokens
  // Pure-decode steps replay captured graphs on backends that have them (decode_graph.h);
  // false: every step eager (--enforce-eager).
  bool cuda_graphs = true;
  // Threads computing grammar masks while the next step runs (runner/mask_workers.h); 0: on
  // the engine thread, right after each token; -1: 2 where the forward leaves the host cores
  // free (CUDA, or a CPU backend with 2 cores to spare), else 0 (on a CPU whose cores all run
  // the forward, mask threads would only compete with it).
  int grammar_threads = -1;
};

struct ModelRunnerOutput {
  // One entry per scheduled sequence that sampled, in SchedulerOutput order.
  std::vector<int64_t> seq_ids;
  std::vector<int32_t> token_ids;
  std::vector<SampleOutput> samples;
  // Per sampled sequence: 1 when its grammar has ended with this token (EOS consumed, the
  // matcher failed, or only a min_tokens-masked EOS could follow): the engine finishes it
  // with "stop".
  std::vector<uint8_t> grammar_ended;
  // One chunk per scheduled sequence with prompt-logits rows (params.prompt_logprobs >= 0).
  std::vector<PromptLogprobsChunk> prompt_logprobs;
  // One chunk per scheduled sequence with params.pooling (embeddings).
  std::vector<HiddenRowsChunk> hidden_rows;
};

class ModelRunner {
 public:
  ModelRunner(Model* model, RunnerConfig config);
  ~ModelRunner();
  ModelRunner(const ModelRunner&) = delete;
  ModelRunner& operator=(const ModelRunner&) = delete;

  // Registers a sequence's sampling parameters before it is first scheduled; the seed is
  // params.seed or `fallback_seed`. matcher: the sequence's compiled grammar (params.structured),
  // or null; each sampled token is drawn from its mask and then consumed by it.
  void AddSequence(int64_t seq_id, const SamplingParams& params, std::span<const int32_t> prompt,
                   uint64_t fallback_seed, std::unique_ptr<GrammarMatcher> matcher = nullptr);
  void RemoveSequence(int64_t seq_id);

  // Runs the step and samples one token per sequence that reaches its end this step; each
  // sampled token is appended to the sequence's sampling state. Valid until the next call.
  const ModelRunnerOutput& Execute(const SchedulerOutput& out, const Scheduler& sched,
                                   const KvCacheManager& kv);

  // Runs a batch built by the caller and returns its logits [num_logits, vocab] on the host
  // (prompt scoring, tests). Valid until the next call.
  std::span<const float> Logits(const BatchInputs& in);

  Model& model() { return *model_; }
  const CacheTensors& cache() const { return cache_; }

 private:
  struct SeqSampling {
    SamplingParams params;
    SequenceSamplerState state;
    std::unique_ptr<GrammarMatcher> matcher;
    std::vector<uint32_t> mask;  // the tokens allowed next (valid when mask_ready)
    bool mask_ready = false;     // set when the mask was handed to mask_workers_ or filled
    bool mask_failed = false;    // the matcher could not compute it (set by a mask worker)
  };
  // Waits for the masks handed to mask_workers_ last step; a failed one allows EOS alone.
  void FinishMasks();
  // Advances a constrained sequence on its sampled token and queues its next mask in
  // mask_jobs_ (or fills it at once when min_tokens needs to look at it); true when the
  // grammar has ended.
  bool AdvanceGrammar(SeqSampling& q, int32_t token_id);
  void SetEosOnlyMask(SeqSampling& q) const;
  // Forward into logits_ (device), sized for the batch's rows; replayed as `graph` when set.
  void Forward(const BatchInputs& in, const DecodeGraphPlan& graph);
  // Copies whole state slots (every recurrent layer), in order, before the forward.
  void CopyStates(std::span<const StateCopy> copies);
  // Scores the prompt-logits rows that follow the sampled rows in logits_.
  void ScorePromptRows(const SchedulerOutput& out, const Scheduler& sched);

  Model* model_;
  Backend& backend_;
  RunnerConfig config_;
  CacheTensors cache_;
  BatchInputs inputs_;  // reused step to step
  DeviceBuffer logits_;  // [rows, vocab] on the device; grows to the largest step
  std::vector<float> host_logits_;
  std::vector<std::byte> state_staging_;  // one layer's slot, for slot-to-slot copies
  std::unordered_map<int64_t, SeqSampling> seqs_;
  SamplingBatch sampling_;
  ModelRunnerOutput output_;
  SchedulerOutput ordered_;                         // this step's sequences, decode steps first
  std::vector<int64_t> sampled_ids_;                // sampled sequences in ordered_ order
  std::vector<SampleOutput> samples_;               // their samples
  std::unordered_map<int64_t, size_t> sampled_row_;  // sequence -> its index in samples_
  std::vector<uint8_t> grammar_ended_;              // per sampled row: the grammar ended
  uint32_t graph_owner_ = 0;  // this runner's part of its graph keys (decode_graph.h)
  std::vector<MaskWorkers::Job> mask_jobs_;         // this step's masks, started after the advance
  std::vector<SeqSampling*> masks_in_flight_;       // their sequences, until FinishMasks
  // Last member: destroyed first, after its workers finished with seqs_' matchers and masks.
  MaskWorkers mask_workers_;
};

}  // namespace vllm
