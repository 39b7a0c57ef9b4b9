#include "bench/http_client.h"

#include <cmath>

namespace vllm::bench {

namespace {

void SplitSeconds(double s, time_t* sec, time_t* usec) {
  *sec = static_cast<time_t>(std::floor(s));
  *usec = static_cast<time_t>((s - std::floor(s)) * 1e6);
}

}  // namespace

std::unique_ptr<httplib::Client> MakeHttpClient(const ServerUrl& url, const ClientOptions& opts) {
  auto c = std::make_unique<httplib::Client>(url.host, url.port);
  time_t sec = 0, usec = 0;
  SplitSeconds(opts.connect_timeout_s, &sec, &usec);
  c->set_connection_timeout(sec, usec);
  SplitSeconds(opts.read_timeout_s, &sec, &usec);
  c->set_read_timeout(sec, usec);
  c->set_write_timeout(sec, usec);
  c->set_keep_alive(true);  // one connection per worker, as a pooled SDK client would
  return c;
}

httplib::Headers AuthHeaders(const ClientOptions& opts) {
  httplib::Headers h;
  if (!opts.api_key.empty()) h.emplace("Authorization", "Bearer " + opts.api_key);
  return h;
}

std::string DescribeHttpError(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "connection failed (refused, unreachable or unknown host)";
    case httplib::Error::ConnectionTimeout: return "connection timed out";
    case httplib::Error::Read: return "read failed (connection closed or timed out)";
    case httplib::Error::Write: return "write failed (connection closed)";
    default: return "transport error: " + httplib::to_string(e);
  }
}

}  // namespace vllm::bench
