#include "util/mem_available.h"

#include <fstream>
#include <sstream>

namespace vllm {

Result<int64_t> MemAvailableBytes(const std::string& meminfo_path) {
  std::ifstream in(meminfo_path);
  if (!in) return NotFound("cannot read " + meminfo_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("MemAvailable:", 0) != 0) continue;
    std::istringstream fields(line.substr(13));
    int64_t kib = 0;
    std::string unit;
    if (!(fields >> kib >> unit) || unit != "kB")
      return DataLoss("unexpected MemAvailable line: " + line);
    return kib * 1024;
  }
  return NotFound(meminfo_path + " has no MemAvailable line");
}

Status CheckKvCacheFits(int64_t kv_bytes, int64_t available_bytes, const std::string& flag) {
  if (kv_bytes <= available_bytes) return Status::Ok();
  auto mib = [](int64_t b) { return std::to_string(b >> 20) + " MiB"; };
  return InvalidArgument("the KV cache needs " + mib(kv_bytes) + " but only " +
                         mib(available_bytes) + " of memory is available (MemAvailable on the CPU, free device memory on a GPU); lower " +
                         flag + " (the model's weights need room too)");
}

Result<int64_t> KvBytesFromUtilization(double fraction, int64_t total, int64_t free_bytes, int64_t reserve) {
  if (!(fraction > 0.0 && fraction <= 1.0))
    return InvalidArgument("--gpu-memory-utilization must be in (0, 1], got " + std::to_string(fraction));
  auto mib = [](int64_t b) { return std::to_string(b >> 20) + " MiB"; };
  const int64_t budget = static_cast<int64_t>(fraction * static_cast<double>(total));
  const int64_t used = total - free_bytes;
  const int64_t kv = budget - used - reserve;
  if (kv <= 0)
    return InvalidArgument("--gpu-memory-utilization " + std::to_string(fraction) + " allows " + mib(budget) +
                           " of the device's " + mib(total) + ", but " + mib(used) +
                           " are in use (weights, other processes) and " + mib(reserve) +
                           " are kept for step buffers: no room is left for the KV cache; raise it");
  return kv;
}

}  // namespace vllm
