// Facts about the host CPU that the runtime (not only the benchmarks) needs.
#pragma once

#include <string>

namespace vllm {

// Physical cores: distinct (package, core) pairs in /proc/cpuinfo; logical CPUs if unknown.
// The default compute thread count, since SMT siblings share the vector units.
int PhysicalCoreCount();
int LogicalCpuCount();
// "model name" from /proc/cpuinfo, or "unknown CPU".
std::string CpuModelName();

}  // namespace vllm
