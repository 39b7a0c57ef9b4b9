#include "util/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace vllm {

namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
const char* Tag(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "D";
    case LogLevel::kInfo: return "I";
    case LogLevel::kWarning: return "W";
    case LogLevel::kError: return "E";
  }
  return "?";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }

namespace internal {
LogMessage::~LogMessage() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%H:%M:%S", &tm);
  // One fprintf per line so concurrent threads do not interleave within a line.
  std::fprintf(stderr, "%s %s %s\n", Tag(level_), ts, stream_.str().c_str());
}
}  // namespace internal

}  // namespace vllm
