// Memory honesty at startup: the KV cache is allocated untouched, and with overcommit an
// oversized --kv-cache-memory starts fine and is OOM-killed later, under load, taking
// every request with it. `serve` compares the size with MemAvailable first and refuses to
// start with a clear message instead.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace vllm {

// /proc/meminfo's MemAvailable in bytes; NotFound where there is no such file (not Linux).
Result<int64_t> MemAvailableBytes(const std::string& meminfo_path = "/proc/meminfo");

// InvalidArgument naming the flag when kv_bytes exceeds the available memory (the backend's:
// MemAvailable on the CPU, free device memory on a GPU).
Status CheckKvCacheFits(int64_t kv_bytes, int64_t available_bytes, const std::string& flag);

}  // namespace vllm
