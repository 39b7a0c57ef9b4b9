// One place that turns a ServerUrl and the timeouts into a cpp-httplib client, so the chat
// stream and the probes (/v1/models, /metrics) talk to the server the same way.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "bench/server_url.h"

namespace vllm::bench {

struct ClientOptions {
  std::string api_key;             // sent as "Authorization: Bearer ..." when non-empty
  double connect_timeout_s = 10;
  double read_timeout_s = 300;     // longest silence on an open stream before it counts as a timeout
};

std::unique_ptr<httplib::Client> MakeHttpClient(const ServerUrl& url, const ClientOptions& opts);
httplib::Headers AuthHeaders(const ClientOptions& opts);

// One line for a transport error ("connection failed (refused, ...)").
std::string DescribeHttpError(httplib::Error e);

}  // namespace vllm::bench
