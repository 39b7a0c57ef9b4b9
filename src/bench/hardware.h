// What the benchmarks run on (issue #6: every report names its hardware). Plain data, so a
// report can print it, write it to JSON, or compare it with another run's.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace vllm {

struct HardwareInfo {
  std::string cpu_model;        // /proc/cpuinfo "model name" (or the OS's equivalent)
  int physical_cores = 0;       // distinct (package, core) pairs; logical CPUs if unknown
  int logical_cpus = 0;
  int threads_used = 0;         // what the benchmark ran with
  int64_t memory_bytes = 0;     // physical RAM
  std::string simd;             // best instruction set the kernels dispatch to
  double read_bandwidth_gbs = 0;  // measured by MeasureReadBandwidth; 0 when not measured
  std::string gpu;              // empty on the CPU backend
};

// Static facts only (fast). threads_used is stored as given.
HardwareInfo DetectHardware(int threads_used);

// Sustained read bandwidth in GB/s (1e9 bytes/s) over a buffer much larger than the last-level
// cache, read by `threads` threads each streaming its own slice; best of `repeats` passes.
// This is the number the decode floor divides by (docs/PERFORMANCE.md).
double MeasureReadBandwidth(int threads, int64_t bytes = int64_t{512} << 20, int repeats = 5);

// "AMD EPYC, 2 cores (2 CPUs), 2 threads, 23.4 GiB RAM, avx512-vnni, read 25.0 GB/s".
std::string FormatHardware(const HardwareInfo& h);
nlohmann::json HardwareToJson(const HardwareInfo& h);

}  // namespace vllm
