// Global callables every template sees: jinja2's range/namespace/dict and transformers'
// raise_exception/strftime_now (see transformers/utils/chat_template_utils.py).
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chat_template/value.h"

namespace vllm::jinja {

struct GlobalsConfig {
  int64_t max_range_size = 0;      // range() refuses to build longer lists
  std::optional<std::time_t> now;  // strftime_now's clock (local time, like datetime.now())
};

std::vector<std::pair<std::string, Value>> MakeGlobals(const GlobalsConfig& config);

// Python's datetime.fromtimestamp(t).strftime(fmt) (glibc strftime, local time zone).
std::string StrftimeLocal(const std::string& fmt, std::time_t t);

}  // namespace vllm::jinja
