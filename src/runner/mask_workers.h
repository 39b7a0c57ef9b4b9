// Computes constrained sequences' next-token masks off the engine thread. After a step's
// tokens are consumed, each matcher's FillMask runs here while the engine streams the step's
// outputs, schedules and runs the next forward pass (on CUDA the host waits on the GPU then;
// on the CPU the masks of a batch at least run side by side); the runner calls Wait() before
// it samples with them. A mask is a pure function of its matcher's state, so which thread
// computes it changes nothing in the output.
//
// Threads start on the first Start() (a runner that never sees a grammar spawns none);
// num_threads 0 computes every mask inside Start() on the caller's thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "grammar/grammar_matcher.h"

namespace vllm {

class MaskWorkers {
 public:
  struct Job {
    GrammarMatcher* matcher = nullptr;
    std::span<uint32_t> mask;  // [mask_words] filled by matcher->FillMask
    bool* failed = nullptr;    // set when FillMask fails (the mask is then all zeros)
  };

  explicit MaskWorkers(int num_threads) : num_threads_(num_threads) {}
  ~MaskWorkers();
  MaskWorkers(const MaskWorkers&) = delete;
  MaskWorkers& operator=(const MaskWorkers&) = delete;

  // Hands over a batch of jobs; the previous batch must have been waited for. The matchers
  // and masks must stay untouched by the caller until Wait() returns.
  void Start(std::vector<Job> jobs);
  // Returns when every job of the last Start() has finished (at once when none is pending).
  void Wait();

 private:
  static void Run(const Job& job);
  void Loop();

  const int num_threads_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_work_;
  std::condition_variable cv_done_;
  std::vector<Job> jobs_;
  size_t next_ = 0;      // first job not yet taken
  size_t finished_ = 0;  // jobs done
  bool stop_ = false;
};

}  // namespace vllm
