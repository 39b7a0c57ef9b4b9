// Sizes as people write them on a command line or in a config: "4GiB", "512MiB", "2GB",
// "1e9", "1073741824".
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace vllm::cli {

// flag names the option in the error ("--kv-cache-memory: ...").
Result<int64_t> ParseByteSize(const std::string& text, const std::string& flag);

}  // namespace vllm::cli
