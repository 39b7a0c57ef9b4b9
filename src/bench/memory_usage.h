// Process memory for the benchmark reports: the peak resident set (what the machine had to
// provide: weights as loaded, KV cache, scratch, allocator slack).
#pragma once

#include <cstdint>

namespace vllm::bench {

// Peak resident set size in bytes since the process started: /proc/self/status VmHWM where
// it exists, else getrusage's ru_maxrss. 0 when neither is available.
int64_t PeakRssBytes();

}  // namespace vllm::bench
