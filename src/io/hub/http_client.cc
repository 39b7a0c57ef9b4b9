#include "io/hub/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace vllm::hub {

namespace {

struct Transfer {
  const HttpRequest* req;
  HttpResponse* res;
  CURL* curl;
  bool body_overflow = false;
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (line.rfind("HTTP/", 0) == 0) {
    t->res->headers.clear();  // a new response (after a 100 Continue)
    return size * n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return size * n;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  t->res->headers[name] = value;
  return size * n;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t bytes = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (t->req->on_body && status >= 200 && status < 300)
    return t->req->on_body(status, data, bytes) ? bytes : 0;
  const long limit = t->req->on_body ? (1L << 20) : t->req->max_in_memory_body;
  if (static_cast<long>(t->res->body.size() + bytes) > limit) {
    t->body_overflow = true;
    return 0;
  }
  t->res->body.append(data, bytes);
  return bytes;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

Result<HttpResponse> HttpFetch(const HttpRequest& req) {
  GlobalInit();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) return Internal("curl_easy_init failed");
  HttpResponse res;
  Transfer t{.req = &req, .res = &res, .curl = curl.get()};
  curl_slist* headers = nullptr;
  for (const std::string& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                           &curl_slist_free_all);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "vllm-cpp");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // callers follow, deciding where auth may go
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);        // safe in threaded programs
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  // A stalled transfer (under 1 byte/s for 30 s) fails and is retried from where it stopped.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  // The hub's ETag and X-Linked-Size describe the stored bytes: no transfer encoding tricks.
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, nullptr);
  if (req.method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  const std::string range = std::to_string(req.range_from) + "-";
  if (req.range_from > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
  if (rc == CURLE_WRITE_ERROR && t.body_overflow)
    return Internal(req.url + ": response body too large");
  if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_COULDNT_CONNECT ||
      rc == CURLE_COULDNT_RESOLVE_PROXY)
    return NotFound(curl_easy_strerror(rc));
  if (rc != CURLE_OK) return Internal(curl_easy_strerror(rc));
  return res;
}

std::string UrlQuote(const std::string& text, const std::string& safe) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' ||
        safe.find(static_cast<char>(c)) != std::string::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string UrlOrigin(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const size_t path = url.find('/', scheme + 3);
  return url.substr(0, path);
}

std::string ResolveLocation(const std::string& base_url, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  if (!location.empty() && location[0] == '/') return UrlOrigin(base_url) + location;
  const size_t slash = base_url.rfind('/');
  return base_url.substr(0, slash + 1) + location;
}

}  // namespace vllm::hub
