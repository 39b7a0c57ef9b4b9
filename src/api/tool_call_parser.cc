#include "api/tool_call_parser.h"

#include <nlohmann/json.hpp>

#include "api/bounded_json.h"
#include "api/ids.h"
#include "api/partial_tag.h"

namespace vllm::api {

namespace {

using Json = nlohmann::ordered_json;
constexpr std::string_view kOpen = "<tool_call>";
constexpr std::string_view kClose = "</tool_call>";
constexpr std::string_view kPythonTag = "<|python_tag|>";

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// {"name": str, "arguments"|"parameters": object|string} -> call.
bool CallFromJson(const Json& j, ToolCall* call) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) return false;
  call->name = j["name"].get<std::string>();
  const Json* args = nullptr;
  if (j.contains("arguments")) args = &j["arguments"];
  else if (j.contains("parameters")) args = &j["parameters"];
  if (!args || args->is_null()) call->arguments = "{}";
  else if (args->is_string()) call->arguments = args->get<std::string>();
  else call->arguments = args->dump(-1, ' ', false, Json::error_handler_t::replace);
  call->id = RandomId("call_", 24);
  return true;
}

bool ParseHermes(std::string_view text, ToolCallParse* out) {
  std::string content;
  std::vector<ToolCall> calls;
  size_t pos = 0;
  while (true) {
    const size_t open = text.find(kOpen, pos);
    if (open == std::string_view::npos) {
      content += text.substr(pos);
      break;
    }
    content += text.substr(pos, open - pos);
    const size_t body = open + kOpen.size();
    const size_t close = text.find(kClose, body);
    // An unterminated last call (length limit, or a model that stops at EOS) still counts.
    const std::string_view inner = text.substr(body, close == std::string_view::npos ? text.size() - body : close - body);
    ToolCall call;
    const Json j = ParseBoundedJson(Trim(inner)).value;  // model output: depth-bounded too
    if (j.is_discarded() || !CallFromJson(j, &call)) return false;
    calls.push_back(std::move(call));
    if (close == std::string_view::npos) break;
    pos = close + kClose.size();
  }
  if (calls.empty()) return false;
  out->content = std::string(Trim(content));
  out->calls = std::move(calls);
  return true;
}

bool ParseLlama3(std::string_view text, ToolCallParse* out) {
  std::string_view t = Trim(text);
  if (t.substr(0, kPythonTag.size()) == kPythonTag) t = Trim(t.substr(kPythonTag.size()));
  if (t.empty() || t[0] != '{') return false;
  std::vector<ToolCall> calls;
  // Several calls are joined by ';' (Llama 3.2's convention); split at top-level ';' only.
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = 0;
  for (size_t i = 0; i <= t.size(); ++i) {
    const bool end = i == t.size();
    if (!end) {
      const char c = t[i];
      if (in_string) {
        if (escaped) escaped = false;
        else if (c == '\\') escaped = true;
        else if (c == '"') in_string = false;
        continue;
      }
      if (c == '"') in_string = true;
      else if (c == '{' || c == '[') ++depth;
      else if (c == '}' || c == ']') --depth;
      if (!(c == ';' && depth == 0)) continue;
    }
    const std::string_view piece = Trim(t.substr(start, i - start));
    start = i + 1;
    if (piece.empty()) continue;
    ToolCall call;
    const Json j = ParseBoundedJson(piece).value;
    if (j.is_discarded() || !CallFromJson(j, &call)) return false;
    calls.push_back(std::move(call));
  }
  if (calls.empty()) return false;
  out->calls = std::move(calls);
  return true;
}

}  // namespace

ToolCallParse ParseToolCalls(std::string_view text) {
  ToolCallParse out;
  if (text.find(kOpen) != std::string_view::npos && ParseHermes(text, &out)) return out;
  if (ParseLlama3(text, &out)) return out;
  out = {};
  out.content = std::string(text);
  return out;
}

std::string ToolCallStreamFilter::Feed(std::string_view text) {
  held_.append(text);
  if (state_ == State::kStart) {
    const std::string_view t = Trim(held_);
    if (t.empty()) return "";
    if (t[0] == '{' || t.substr(0, kPythonTag.size()) == kPythonTag) {
      state_ = State::kBuffering;
    } else if (t.size() < kPythonTag.size() && kPythonTag.substr(0, t.size()) == t) {
      return "";  // maybe "<|python_ta"
    } else {
      state_ = State::kStreaming;
    }
  }
  if (state_ == State::kBuffering) return "";
  const size_t open = held_.find(kOpen);
  std::string out;
  if (open != std::string::npos) {
    out = held_.substr(0, open);
    held_.erase(0, open);
    state_ = State::kBuffering;
    return out;
  }
  const size_t keep = PartialTagSuffix(held_, kOpen);
  out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

ToolCallParse ToolCallStreamFilter::Finish() {
  ToolCallParse p = ParseToolCalls(held_);
  held_.clear();
  return p;
}

}  // namespace vllm::api
