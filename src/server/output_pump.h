// Reads the outputs of the engine requests behind one HTTP request (one per prompt; each
// with its n choices), with the request's deadline. The StreamHub polls it (wait 0); a
// client that hangs up is seen by its connection, and the hub then calls AbortAll(). The pump owns the
// requests' lifetime on the HTTP side: AbortAll() (client gone, timeout, error) and the
// destructor abort whatever is still running, so a vanished client never leaves blocks
// behind.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine_group.h"

namespace vllm::server {

struct SubmittedRequest {
  std::string request_id;
  std::shared_ptr<OutputStream> stream;
  int32_t index_offset = 0;  // choice index of its first sequence in the response
};

class OutputPump {
 public:
  using Clock = std::chrono::steady_clock;
  // `stopped`: set once the engine thread is gone (shutdown); a request that slipped in
  // after it then ends as a timeout instead of waiting for outputs that never come.
  OutputPump(EngineGroup* engine, Clock::time_point deadline, const std::atomic<bool>* stopped)
      : engine_(engine), deadline_(deadline), stopped_(stopped) {}
  ~OutputPump() { AbortAll(); }
  OutputPump(const OutputPump&) = delete;
  OutputPump& operator=(const OutputPump&) = delete;

  void Add(SubmittedRequest r) { reqs_.push_back(std::move(r)); }

  enum class Event { kOutput, kIdle, kDone, kTimeout };
  // Waits up to `wait` (0: not at all) for the next output; its index is already the
  // response's choice index.
  Event Next(RequestOutput* out, std::chrono::milliseconds wait);
  void AbortAll();
  bool done() const { return done_; }

 private:
  EngineGroup* engine_;
  Clock::time_point deadline_;
  const std::atomic<bool>* stopped_;
  std::vector<SubmittedRequest> reqs_;
  size_t cursor_ = 0;
  bool done_ = false;
};

}  // namespace vllm::server
