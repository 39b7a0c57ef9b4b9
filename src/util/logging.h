// Minimal leveled logging to stderr: LOG(INFO) << "...". One line per message.
#pragma once

#include <sstream>

namespace vllm {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();

namespace internal {
class LogMessage {
 public:
  explicit LogMessage(LogLevel level) : level_(level) {}
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};
}  // namespace internal

}  // namespace vllm

#define VLLM_LOG_kDEBUG ::vllm::LogLevel::kDebug
#define VLLM_LOG_kINFO ::vllm::LogLevel::kInfo
#define VLLM_LOG_kWARNING ::vllm::LogLevel::kWarning
#define VLLM_LOG_kERROR ::vllm::LogLevel::kError
#define LOG(sev)                                            \
  if (VLLM_LOG_k##sev < ::vllm::GetLogLevel()) {            \
  } else                                                    \
    ::vllm::internal::LogMessage(VLLM_LOG_k##sev).stream()
