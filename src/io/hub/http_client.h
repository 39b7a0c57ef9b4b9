// One HTTP request over libcurl, blocking, with the response headers parsed. Transport
// failures are a non-ok Status: NotFound when no connection could be made (unknown host,
// refused: retrying will not help), Internal when one broke (reset, timed out, dropped
// mid-body: worth resuming). Any HTTP status is a response, judged by the caller
// (hub_api.cc, blob_fetch.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "util/status.h"

namespace vllm::hub {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  int64_t range_from = 0;            // > 0: "Range: bytes=<range_from>-"
  // 2xx bodies go here when set (false aborts the transfer); other bodies, and all bodies
  // when unset, are kept in HttpResponse::body (at most 1 MiB: error pages, API JSON).
  std::function<bool(long status, const char* data, size_t n)> on_body;
  long max_in_memory_body = 64L << 20;  // API listings can be large
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

Result<HttpResponse> HttpFetch(const HttpRequest& req);

// Percent-encoding as Python's urllib.parse.quote(text, safe=safe).
std::string UrlQuote(const std::string& text, const std::string& safe = "/");

// scheme://host[:port] of a URL (what "same host" means for auth headers on redirects).
std::string UrlOrigin(const std::string& url);

// Location resolved against the URL it came from (absolute, or an absolute path).
std::string ResolveLocation(const std::string& base_url, const std::string& location);

}  // namespace vllm::hub
