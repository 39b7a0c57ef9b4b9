#include "bench/chat_stream_client.h"

#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/sse_parser.h"

namespace vllm::bench {

namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

double Since(Clock::time_point t0, Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); }

bool NonEmptyString(const Json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

int64_t IntOr(const Json& obj, const char* key, int64_t fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// Reads one stream event into the record. Returns false (with the error set) when the event
// is not a chat.completion.chunk or reports an error.
bool ApplyChunk(const std::string& data, double t, RequestRecord* r) {
  Json j = Json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    r->error = RequestError::kBadResponse;
    r->error_message = "stream event is not a JSON object: " + data.substr(0, 120);
    return false;
  }
  if (auto e = j.find("error"); e != j.end()) {
    r->error = RequestError::kStreamError;
    r->error_message = (e->is_object() && e->contains("message") && (*e)["message"].is_string())
                           ? (*e)["message"].get<std::string>()
                           : e->dump();
    return false;
  }
  if (auto c = j.find("choices"); c != j.end() && c->is_array() && !c->empty() && (*c)[0].is_object()) {
    const Json& choice = (*c)[0];
    if (auto d = choice.find("delta"); d != choice.end() && d->is_object()) {
      // Reasoning models stream their thinking first; it is generated output all the same.
      if (NonEmptyString(*d, "content") || NonEmptyString(*d, "reasoning_content") || NonEmptyString(*d, "reasoning")) {
        if (r->t_first_token_s < 0) r->t_first_token_s = t;
        r->t_last_token_s = t;
        ++r->num_content_chunks;
      }
    }
    if (auto f = choice.find("finish_reason"); f != choice.end() && f->is_string()) r->finish_reason = *f;
  }
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    r->prompt_tokens = IntOr(*u, "prompt_tokens", -1);
    r->completion_tokens = IntOr(*u, "completion_tokens", -1);
    if (auto d = u->find("prompt_tokens_details"); d != u->end() && d->is_object())
      r->cached_tokens = IntOr(*d, "cached_tokens", -1);
  }
  return true;
}

}  // namespace

std::string ChatStreamBody(const ChatStreamRequest& req) {
  Json body = {{"model", req.model},
               {"messages", Json::array({{{"role", "user"}, {"content", req.prompt}}})},
               {"max_tokens", req.max_tokens},
               {"temperature", req.temperature},
               {"stream", true},
               {"stream_options", {{"include_usage", true}}}};
  if (req.ignore_eos) body["ignore_eos"] = true;
  if (!req.response_format.empty()) body["response_format"] = Json::parse(req.response_format);
  return body.dump();
}

ChatStreamClient::ChatStreamClient(const ServerUrl& url, ClientOptions opts)
    : url_(url), opts_(std::move(opts)), http_(MakeHttpClient(url_, opts_)) {}

ChatStreamClient::~ChatStreamClient() = default;

RequestRecord ChatStreamClient::Send(const ChatStreamRequest& req) {
  RequestRecord r;
  SseParser parser;
  std::vector<SseEvent> events;
  std::string error_body;  // a non-200 answer's body, for the message
  bool done = false, failed = false;
  const auto t0 = Clock::now();
  auto t_last_byte = t0;
  auto t_done = t0;

  httplib::Request hr;
  hr.method = "POST";
  hr.path = url_.Path("/v1/chat/completions");
  hr.headers = AuthHeaders(opts_);
  hr.headers.emplace("Accept", "text/event-stream");
  hr.set_header("Content-Type", "application/json");
  hr.body = ChatStreamBody(req);
  hr.response_handler = [&](const httplib::Response& res) {
    r.http_status = res.status;
    return true;
  };
  hr.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    const auto now = Clock::now();
    t_last_byte = now;
    if (r.http_status != 200) {
      if (error_body.size() < 2048) error_body.append(data, n);
      return true;
    }
    if (done || failed) return true;  // ignore anything after [DONE] or the first bad event
    events.clear();
    parser.Feed(std::string_view(data, n), &events);
    const double t = Since(t0, now);
    for (const SseEvent& ev : events) {
      if (ev.data == "[DONE]") {
        done = true;
        t_done = now;
        break;
      }
      if (!ApplyChunk(ev.data, t, &r)) {
        failed = true;
        break;
      }
    }
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  const bool sent = http_->send(hr, res, err);
  // End-to-end stops at [DONE]: a server that closes the connection late must not count.
  r.e2e_s = Since(t0, done ? t_done : Clock::now());
  if (failed) return r;  // the event's error is the more specific one
  if (r.http_status > 0 && r.http_status != 200) {
    r.error = RequestError::kHttpStatus;
    Json j = Json::parse(error_body, nullptr, false);
    const bool has_msg = j.is_object() && j.contains("error") && j["error"].is_object() &&
                         j["error"].contains("message") && j["error"]["message"].is_string();
    r.error_message = "HTTP " + std::to_string(r.http_status) + ": " +
                      (has_msg ? j["error"]["message"].get<std::string>() : error_body.substr(0, 200));
    return r;
  }
  if (!sent || err != httplib::Error::Success) {
    const double silent_s = Since(t_last_byte, Clock::now());
    if (err == httplib::Error::Read && silent_s >= 0.9 * opts_.read_timeout_s) {
      r.error = RequestError::kTimeout;
      r.error_message = "no data for " + std::to_string(silent_s) + " s";
    } else if (r.http_status == 200) {
      r.error = done ? RequestError::kNone : RequestError::kBrokenStream;
      r.error_message = done ? "" : "stream broke before [DONE]: " + DescribeHttpError(err);
    } else {
      r.error = RequestError::kConnection;
      r.error_message = DescribeHttpError(err);
    }
    return r;
  }
  if (!done) {
    r.error = RequestError::kBrokenStream;
    r.error_message = parser.HasPartialEvent() ? "stream ended inside an event, before [DONE]"
                                               : "stream ended before [DONE]";
  }
  return r;
}

}  // namespace vllm::bench
