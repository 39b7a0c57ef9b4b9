// Shared pieces of every benchmark report (issue #6): the seed's markdown tables, a progress
// line that only shows on a terminal, percentiles, and writing the --output JSON.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/status.h"

namespace vllm::bench {

// A markdown table as the seed prints them: `| a | b |` with a `|---|---|` rule.
class Table {
 public:
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  void AddRow(std::vector<std::string> cells);  // must have one cell per column
  std::string Render() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

// printf-style formatting into a std::string (for table cells).
std::string Fmt(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Linear-interpolated percentile (p in [0, 100]) of unsorted values; 0 for an empty input.
double Percentile(std::vector<double> values, double p);
double Mean(const std::vector<double>& values);

// "\r[3/10] label" on stderr when stderr is a terminal; nothing when piped. Done() ends the line.
class Progress {
 public:
  Progress(std::string label, int total);
  void Update(int done);
  void Done();

 private:
  std::string label_;
  int total_;
  bool tty_;
};

// Writes JSON (pretty, trailing newline) to path; a clear error when the file cannot be written.
Status WriteJsonFile(const std::string& path, const nlohmann::json& j);

}  // namespace vllm::bench
