#include "bench/memory_usage.h"

#include <sys/resource.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace vllm::bench {

int64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    const long long kib = std::strtoll(line.c_str() + 6, nullptr, 10);  // "VmHWM:   123456 kB"
    if (kib > 0) return static_cast<int64_t>(kib) * 1024;
  }
  struct rusage ru {};
  if (getrusage(RUSAGE_SELF, &ru) != 0) return 0;
#ifdef __APPLE__
  return static_cast<int64_t>(ru.ru_maxrss);  // bytes on macOS
#else
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;  // KiB on Linux
#endif
}

}  // namespace vllm::bench
