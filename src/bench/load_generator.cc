#include "bench/load_generator.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "util/check.h"

namespace vllm::bench {

LoadRun RunLoad(const ServerUrl& url, const ClientOptions& opts, const LoadSpec& spec,
                const std::function<void(int)>& on_done) {
  CHECK(spec.concurrency > 0 && spec.num_requests > 0 && !spec.prompts.empty())
      << "LoadSpec must be validated by the caller";
  using Clock = std::chrono::steady_clock;
  LoadRun run;
  run.records.resize(spec.num_requests);
  std::atomic<int> next{0};
  std::mutex done_mu;
  int num_done = 0;
  const auto t0 = Clock::now();
  auto worker = [&] {
    ChatStreamClient client(url, opts);
    for (int i = next++; i < spec.num_requests; i = next++) {
      ChatStreamRequest req = spec.request;
      const int prompt_index = i % static_cast<int>(spec.prompts.size());
      req.prompt = spec.prompts[prompt_index];
      const double t_start = std::chrono::duration<double>(Clock::now() - t0).count();
      RequestRecord r = client.Send(req);
      r.prompt_index = prompt_index;
      r.t_start_s = t_start;
      run.records[i] = std::move(r);  // each slot is written by exactly one worker
      std::lock_guard<std::mutex> lock(done_mu);
      ++num_done;
      if (on_done) on_done(num_done);
    }
  };
  const int num_workers = std::min(spec.concurrency, spec.num_requests);
  std::vector<std::thread> threads;
  threads.reserve(num_workers);
  for (int w = 0; w < num_workers; ++w) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  run.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return run;
}

}  // namespace vllm::bench
