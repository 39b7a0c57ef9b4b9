#include "bench/server_probe.h"

#include <nlohmann/json.hpp>

namespace vllm::bench {

namespace {

Result<std::string> Get(const ServerUrl& url, const ClientOptions& opts, const std::string& route) {
  auto http = MakeHttpClient(url, opts);
  const std::string path = url.Path(route);
  auto res = http->Get(path, AuthHeaders(opts));
  if (!res) return NotFound("cannot reach " + url.ToString() + ": " + DescribeHttpError(res.error()));
  if (res->status != 200)
    return InvalidArgument("GET " + path + " answered HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 200));
  return std::move(res->body);
}

}  // namespace

Result<std::string> FirstModelId(const ServerUrl& url, const ClientOptions& opts) {
  auto body = Get(url, opts, "/v1/models");
  if (!body.ok()) return body.status();
  auto j = nlohmann::json::parse(body.value(), nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("data") && j["data"].is_array() && !j["data"].empty() &&
      j["data"][0].is_object() && j["data"][0].contains("id") && j["data"][0]["id"].is_string())
    return j["data"][0]["id"].get<std::string>();
  return InvalidArgument("GET " + url.Path("/v1/models") + " returned no model id (pass --model)");
}

Result<std::string> FetchMetricsText(const ServerUrl& url, const ClientOptions& opts) {
  return Get(url, opts, "/metrics");
}

}  // namespace vllm::bench
