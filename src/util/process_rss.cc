#include "util/process_rss.h"

#include <cstdlib>
#include <fstream>

namespace vllm {

int64_t ProcessRssBytes(const std::string& status_path) {
  std::ifstream status(status_path);
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    const long long kib = std::strtoll(line.c_str() + 6, nullptr, 10);  // "VmRSS:   123456 kB"
    return kib > 0 ? static_cast<int64_t>(kib) * 1024 : 0;
  }
  return 0;
}

}  // namespace vllm
