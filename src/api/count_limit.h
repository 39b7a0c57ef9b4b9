// The one wording of every count limit: "'stop' has 10000 entries, over this server's limit
// of 16 (--max-stop)", so clients and operators see the field, the limit and the flag.
#pragma once

#include <cstddef>
#include <string>

#include "util/status.h"

namespace vllm::api {

inline Status CheckCount(const std::string& field, size_t count, int32_t limit, const char* flag) {
  if (count <= static_cast<size_t>(limit)) return Status::Ok();
  return InvalidArgument("'" + field + "' has " + std::to_string(count) +
                         " entries, over this server's limit of " + std::to_string(limit) + " (" +
                         flag + ")");
}

}  // namespace vllm::api
