#include "server/rate_limiter.h"

#include <cmath>

namespace vllm::server {

int RateLimiter::Admit(const std::string& client) {
  if (per_minute_ <= 0) return 0;
  const auto now = Clock::now();
  const auto window = std::chrono::minutes(1);
  std::lock_guard<std::mutex> lock(mu_);
  // Forget idle clients now and then so the map stays bounded by active clients.
  if (now - last_sweep_ > window) {
    for (auto it = seen_.begin(); it != seen_.end();)
      it = (it->second.empty() || now - it->second.back() > window) ? seen_.erase(it) : std::next(it);
    last_sweep_ = now;
  }
  auto& times = seen_[client];
  while (!times.empty() && now - times.front() >= window) times.pop_front();
  if (static_cast<int32_t>(times.size()) < per_minute_) {
    times.push_back(now);
    return 0;
  }
  const double wait = std::chrono::duration<double>(times.front() + window - now).count();
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

}  // namespace vllm::server
