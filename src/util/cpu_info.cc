#include "util/cpu_info.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <thread>
#include <utility>

namespace vllm {

namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

struct CpuInfo {
  std::string model;
  int cores = 0;
};

CpuInfo ReadCpuInfo() {
  CpuInfo info;
  std::ifstream f("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::string line, physical_id = "0";
  while (std::getline(f, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, colon)), value = Trim(line.substr(colon + 1));
    if (key == "model name" && info.model.empty()) info.model = value;
    if (key == "physical id") physical_id = value;
    if (key == "core id") cores.insert({physical_id, value});
  }
  info.cores = static_cast<int>(cores.size());
  return info;
}

}  // namespace

int LogicalCpuCount() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int PhysicalCoreCount() {
  static const int n = [] {
    const int cores = ReadCpuInfo().cores;
    return cores > 0 ? std::min(cores, LogicalCpuCount()) : LogicalCpuCount();
  }();
  return n;
}

std::string CpuModelName() {
  const std::string m = ReadCpuInfo().model;
  return m.empty() ? "unknown CPU" : m;
}

}  // namespace vllm
