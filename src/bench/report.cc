#include "bench/report.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <fstream>
#include <numeric>

#include "util/check.h"

namespace vllm::bench {

void Table::AddRow(std::vector<std::string> cells) {
  CHECK(cells.size() == columns_.size()) << "table row has " << cells.size() << " cells, expected "
                                         << columns_.size();
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> width(columns_.size());
  for (size_t c = 0; c < columns_.size(); ++c) {
    width[c] = std::max<size_t>(3, columns_[c].size());
    for (const auto& r : rows_) width[c] = std::max(width[c], r[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string s = "|";
    for (size_t c = 0; c < cells.size(); ++c) s += " " + cells[c] + std::string(width[c] - cells[c].size(), ' ') + " |";
    return s + "\n";
  };
  std::string out = line(columns_);
  out += "|";
  for (size_t c = 0; c < columns_.size(); ++c) out += std::string(width[c] + 2, '-') + "|";
  out += "\n";
  for (const auto& r : rows_) out += line(r);
  return out;
}

std::string Fmt(const char* fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  const int n = std::vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < static_cast<int>(sizeof(buf))) return std::string(buf, std::max(n, 0));
  std::string s(n + 1, '\0');
  va_start(ap, fmt);
  std::vsnprintf(s.data(), s.size(), fmt, ap);
  va_end(ap);
  s.resize(n);
  return s;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double pos = std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

Progress::Progress(std::string label, int total)
    : label_(std::move(label)), total_(total), tty_(isatty(fileno(stderr)) == 1) {}

void Progress::Update(int done) {
  if (tty_) std::fprintf(stderr, "\r[%d/%d] %s", done, total_, label_.c_str());
}

void Progress::Done() {
  if (tty_) std::fprintf(stderr, "\r\033[K");
}

Status WriteJsonFile(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path);
  if (!f) return InvalidArgument("cannot write --output file '" + path + "'");
  f << j.dump(2) << "\n";
  if (!f) return Internal("write to '" + path + "' failed");
  return Status::Ok();
}

}  // namespace vllm::bench
