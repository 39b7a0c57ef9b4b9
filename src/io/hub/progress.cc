#include "io/hub/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace vllm::hub {

namespace {
constexpr std::chrono::milliseconds kTtyInterval{100};
constexpr std::chrono::seconds kLogInterval{5};
}  // namespace

std::string FormatBytes(int64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  else
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

std::string FormatDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof(buf), "%ld:%02ld", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof(buf), "%lds", s);
  return buf;
}

DownloadProgress::DownloadProgress(std::string name, int64_t total, int64_t already)
    : DownloadProgress(std::move(name), total, already, isatty(STDERR_FILENO) == 1) {}

DownloadProgress::DownloadProgress(std::string name, int64_t total, int64_t already, bool tty)
    : name_(std::move(name)),
      total_(total),
      done_(already),
      start_bytes_(already),
      tty_(tty),
      t_start_(Clock::now()),
      t_last_draw_(t_start_) {
  if (!tty_) {
    std::fprintf(stderr, "downloading %s (%s%s)\n", name_.c_str(), FormatBytes(total_).c_str(),
                 already > 0 ? (", resuming at " + FormatBytes(already)).c_str() : "");
  }
}

DownloadProgress::~DownloadProgress() {
  if (tty_ && !finished_) std::fputc('\n', stderr);  // leave the partial bar on its own line
}

void DownloadProgress::Add(int64_t bytes) {
  done_ += bytes;
  MaybeDraw(false);
}

void DownloadProgress::Reset(int64_t done) {
  done_ = done;
  start_bytes_ = std::min(start_bytes_, done);
}

std::string DownloadProgress::Line(Clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - t_start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_ - start_bytes_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : -1;
  const int pct =
      total_ > 0
          ? static_cast<int>(100.0 * static_cast<double>(done_) / static_cast<double>(total_))
          : 0;
  char buf[256];
  std::snprintf(buf, sizeof(buf), "%3d%% %s/%s %s/s ETA %s", pct, FormatBytes(done_).c_str(),
                FormatBytes(total_).c_str(), FormatBytes(static_cast<int64_t>(rate)).c_str(),
                FormatDuration(eta).c_str());
  return buf;
}

void DownloadProgress::MaybeDraw(bool force) {
  const Clock::time_point now = Clock::now();
  if (!force &&
      now - t_last_draw_ < (tty_ ? std::chrono::duration_cast<Clock::duration>(kTtyInterval)
                                 : std::chrono::duration_cast<Clock::duration>(kLogInterval)))
    return;
  t_last_draw_ = now;
  const std::string line = Line(now);
  if (tty_) {
    // |#####.....| scaled to 24 columns; \r redraws in place, \x1b[K clears the rest.
    const int width = 24;
    const int filled =
        total_ > 0
            ? static_cast<int>(width * static_cast<double>(done_) / static_cast<double>(total_))
            : 0;
    std::string bar(static_cast<size_t>(std::clamp(filled, 0, width)), '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%-32.32s |%s| %s\x1b[K", name_.c_str(), bar.c_str(), line.c_str());
  } else {
    std::fprintf(stderr, "downloading %s: %s\n", name_.c_str(), line.c_str());
  }
  std::fflush(stderr);
}

void DownloadProgress::Finish() {
  if (finished_) return;
  if (tty_) {
    MaybeDraw(true);
    std::fputc('\n', stderr);
  } else
    std::fprintf(stderr, "downloaded %s (%s)\n", name_.c_str(), FormatBytes(total_).c_str());
  finished_ = true;
}

}  // namespace vllm::hub
