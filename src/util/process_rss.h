// The calling process's resident memory now (for /v1/status and the dashboard).
#pragma once

#include <cstdint>
#include <string>

namespace vllm {

// VmRSS from /proc/self/status (or `status_path`), in bytes; 0 where it cannot be read.
int64_t ProcessRssBytes(const std::string& status_path = "/proc/self/status");

}  // namespace vllm
