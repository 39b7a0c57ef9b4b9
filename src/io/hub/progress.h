// Download progress on stderr: on a terminal, one redrawn bar per file (bytes, rate, ETA);
// otherwise (logs, CI, pipes) a plain line every few seconds and one when the file is done.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vllm::hub {

// "1.5 GiB", "312.0 MiB", "17 B".
std::string FormatBytes(int64_t bytes);
// "1:02:03", "4:05", "7s"; "?" when unknown (negative).
std::string FormatDuration(double seconds);

class DownloadProgress {
 public:
  using Clock = std::chrono::steady_clock;
  // already: bytes on disk from an earlier, interrupted attempt (resumed, not re-counted in
  // the rate). tty: draw a bar (default: whether stderr is a terminal).
  DownloadProgress(std::string name, int64_t total, int64_t already);
  DownloadProgress(std::string name, int64_t total, int64_t already, bool tty);
  ~DownloadProgress();
  DownloadProgress(const DownloadProgress&) = delete;
  DownloadProgress& operator=(const DownloadProgress&) = delete;

  void Add(int64_t bytes);
  // Back to `done` bytes (a retry restarted the file from there).
  void Reset(int64_t done);
  void Finish();

  // The line drawn now (for tests): "name  45% 12.0 MiB/27.0 MiB 5.0 MiB/s ETA 3s".
  std::string Line(Clock::time_point now) const;

 private:
  void MaybeDraw(bool force);
  std::string name_;
  int64_t total_, done_, start_bytes_;
  bool tty_, finished_ = false;
  Clock::time_point t_start_, t_last_draw_;
};

}  // namespace vllm::hub
