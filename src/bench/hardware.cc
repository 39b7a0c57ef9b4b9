#include "bench/hardware.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "kernels/cpu/dispatch.h"
#include "util/aligned_buffer.h"
#include "util/cpu_info.h"

namespace vllm {

namespace {

// Sums 64-bit words; eight independent sums keep several loads in flight per thread and let
// the compiler use full-width vector loads.
uint64_t SumWords(const uint64_t* p, size_t n) {
  uint64_t acc[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += p[i + k];
  for (; i < n; ++i) acc[0] += p[i];
  uint64_t s = 0;
  for (uint64_t a : acc) s += a;
  return s;
}

}  // namespace

HardwareInfo DetectHardware(int threads_used) {
  HardwareInfo h;
  h.cpu_model = CpuModelName();
  h.physical_cores = PhysicalCoreCount();
  h.logical_cpus = LogicalCpuCount();
  h.threads_used = threads_used;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0) h.memory_bytes = static_cast<int64_t>(pages) * page;
  h.simd = cpu::SimdTargetName(cpu::ActiveSimdTarget());
  return h;
}

double MeasureReadBandwidth(int threads, int64_t bytes, int repeats) {
  threads = std::max(1, threads);
  const size_t words = static_cast<size_t>(bytes) / sizeof(uint64_t);
  AlignedBuffer buf(words * sizeof(uint64_t));
  uint64_t* p = reinterpret_cast<uint64_t*>(buf.data());
  // Touch every page from the thread that will read it (first-touch NUMA placement).
  const size_t per = words / threads;
  auto run = [&](auto&& body) {
    std::vector<std::thread> ts;
    for (int t = 1; t < threads; ++t) ts.emplace_back(body, t);
    body(0);
    for (auto& t : ts) t.join();
  };
  run([&](int t) {
    for (size_t i = t * per; i < (t + 1) * per; ++i) p[i] = i;
  });
  double best = 0;
  std::vector<uint64_t> sink(threads);
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run([&](int t) { sink[t] = SumWords(p + t * per, per); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, static_cast<double>(per * threads * sizeof(uint64_t)) / s / 1e9);
  }
  // Keep the sums observable so the reads cannot be optimised away.
  volatile uint64_t keep = 0;
  for (uint64_t v : sink) keep = keep + v;
  (void)keep;
  return best;
}

std::string FormatHardware(const HardwareInfo& h) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%s, %d cores (%d CPUs), %d threads, %.1f GiB RAM, %s",
                h.cpu_model.c_str(), h.physical_cores, h.logical_cpus, h.threads_used,
                static_cast<double>(h.memory_bytes) / (1 << 30), h.simd.c_str());
  std::string s = buf;
  if (h.read_bandwidth_gbs > 0) {
    std::snprintf(buf, sizeof(buf), ", read %.1f GB/s", h.read_bandwidth_gbs);
    s += buf;
  }
  if (!h.gpu.empty()) s += ", GPU " + h.gpu;
  return s;
}

nlohmann::json HardwareToJson(const HardwareInfo& h) {
  return {{"cpu_model", h.cpu_model},       {"physical_cores", h.physical_cores},
          {"logical_cpus", h.logical_cpus}, {"threads_used", h.threads_used},
          {"memory_bytes", h.memory_bytes}, {"simd", h.simd},
          {"read_bandwidth_gbs", h.read_bandwidth_gbs}, {"gpu", h.gpu}};
}

}  // namespace vllm
