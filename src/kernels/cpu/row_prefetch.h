// Software prefetch for the row-at-a-time GEMV kernels (matmul_impl.h, matmul_int8_impl.h).
// Rows are walked in memory order; short rows end before the hardware prefetcher has ramped up
// on the next one, so the row kPrefetchRows ahead is requested explicitly. Long rows are left
// to the hardware: prefetching whole 3-4 KiB rows in a burst cost a third to a half of the DRAM
// rate on Zen 4 (bench/kernels, 2 threads: 8-bit 1024x3072 16.0 vs 22.6 GB/s, int8-path 4-bit
// 2048x8192 13.5 vs 25.7 GB/s), while 1 KiB rows still gain (8-bit 3072x1024 19.7 -> 26.4 GB/s).
// Compiled for the baseline ISA (simd_prelude.h includes it before any target pragma).
#pragma once

#include <cstdint>

namespace vllm::cpu {

constexpr int64_t kPrefetchRows = 4;
constexpr int64_t kPrefetchMaxRowBytes = 2048;

// Prefetches row r + kPrefetchRows of a [rows, row_bytes] matrix when it exists (< end) and
// rows are short. (The builtin is prefetcht0 on x86, prfm pldl1keep on ARM.)
inline void PrefetchRowAhead(const void* base, int64_t row_bytes, int64_t r, int64_t end) {
  if (row_bytes > kPrefetchMaxRowBytes || r + kPrefetchRows >= end) return;
  const char* next = static_cast<const char*>(base) + (r + kPrefetchRows) * row_bytes;
  for (int64_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(next + off, 0, 3);
}

}  // namespace vllm::cpu
