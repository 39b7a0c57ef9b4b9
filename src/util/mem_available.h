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

// --gpu-memory-utilization, as vLLM: this process may use `fraction` of the device's `total`
// bytes; what is in use now (total - free: weights, scratch, other processes) and `reserve`
// (step buffers allocated later: logits, attention scratch, graphs) come off, the rest is the
// KV cache. InvalidArgument for a fraction outside (0, 1] or one that leaves no KV cache.
Result<int64_t> KvBytesFromUtilization(double fraction, int64_t total, int64_t free_bytes, int64_t reserve);

}  // namespace vllm
