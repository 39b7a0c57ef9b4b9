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

}  // namespace vllm
