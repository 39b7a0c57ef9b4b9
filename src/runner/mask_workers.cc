#include "runner/mask_workers.h"

#include <utility>

namespace vllm {

MaskWorkers::~MaskWorkers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;  // the workers finish the batch in hand first (Loop takes jobs before stopping)
  }
  cv_work_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void MaskWorkers::Run(const Job& job) {
  if (!job.matcher->FillMask(job.mask).ok() && job.failed) *job.failed = true;
}

void MaskWorkers::Start(std::vector<Job> jobs) {
  if (jobs.empty()) return;
  if (num_threads_ <= 0) {
    for (const Job& j : jobs) Run(j);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_ = std::move(jobs);
    next_ = 0;
    finished_ = 0;
    if (threads_.empty())
      for (int i = 0; i < num_threads_; ++i) threads_.emplace_back([this] { Loop(); });
  }
  cv_work_.notify_all();
}

void MaskWorkers::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_done_.wait(lock, [this] { return finished_ == jobs_.size(); });
}

void MaskWorkers::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_work_.wait(lock, [this] { return stop_ || next_ < jobs_.size(); });
    if (next_ >= jobs_.size()) return;  // stopping, nothing left to take
    const Job job = jobs_[next_++];
    lock.unlock();
    Run(job);
    lock.lock();
    if (++finished_ == jobs_.size()) cv_done_.notify_all();
  }
}

}  // namespace vllm
