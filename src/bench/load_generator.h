// Closed-loop HTTP load: `concurrency` workers, each with its own connection, take the next
// request from a shared counter and send it as soon as their previous one ended, until
// `num_requests` were sent. Prompts are used in order, cycling (request i gets prompt
// i % prompts.size()), so a run's requests are the same whatever the concurrency.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "bench/chat_stream_client.h"

namespace vllm::bench {

struct LoadSpec {
  int concurrency = 1;
  int num_requests = 1;
  std::vector<std::string> prompts;  // non-empty
  ChatStreamRequest request;         // model and sampling; its prompt is replaced per request
};

struct LoadRun {
  std::vector<RequestRecord> records;  // one per request, in request order
  double wall_s = 0;                   // first send to last stream end
};

// on_done(n) is called (serialized) after each finished request with the count so far.
LoadRun RunLoad(const ServerUrl& url, const ClientOptions& opts, const LoadSpec& spec,
                const std::function<void(int)>& on_done = nullptr);

}  // namespace vllm::bench
