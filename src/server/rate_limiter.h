// Requests per minute per client address, as a sliding window of request times. Thread-safe.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace vllm::server {

class RateLimiter {
 public:
  explicit RateLimiter(int32_t per_minute) : per_minute_(per_minute) {}
  // 0 when the request may go ahead (and is counted), else seconds until it could.
  int Admit(const std::string& client);

 private:
  using Clock = std::chrono::steady_clock;
  int32_t per_minute_;
  std::mutex mu_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> seen_;
  Clock::time_point last_sweep_ = Clock::now();
};

}  // namespace vllm::server
