// The two GETs bench-serve makes besides the load itself: which model to ask for
// (GET /v1/models) and the Prometheus text of GET /metrics (for prefix-cache deltas).
#pragma once

#include <string>

#include "bench/http_client.h"
#include "util/status.h"

namespace vllm::bench {

// The first "id" in the model list. Errors: NotFound when nothing answered at the URL (refused,
// unknown host, timeout); InvalidArgument when something answered, but not with a model list.
Result<std::string> FirstModelId(const ServerUrl& url, const ClientOptions& opts);

// The body of GET /metrics; the same error codes (a 404 from a server with metrics off is
// InvalidArgument).
Result<std::string> FetchMetricsText(const ServerUrl& url, const ClientOptions& opts);

}  // namespace vllm::bench
