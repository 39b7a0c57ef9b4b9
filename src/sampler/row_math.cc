#include "sampler/row_math.h"

#include "util/check.h"

namespace vllm {
namespace {
constexpr int kLanes = 8;         // one AVX2 register of floats; also fine for SSE/NEON
constexpr int64_t kBlock = 256;  // float partial sums per block before folding into double
}  // namespace

float RowMax(std::span<const float> row) {
  CHECK(!row.empty());
  const int64_t n = static_cast<int64_t>(row.size());
  const float* x = row.data();
  // Independent lanes let the compiler use packed max; `a > b ? a : b` is exactly maxps.
  float lane[kLanes];
  for (int j = 0; j < kLanes; ++j) lane[j] = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lane[j] = x[i + j] > lane[j] ? x[i + j] : lane[j];
  float m = lane[0];
  for (int j = 1; j < kLanes; ++j) m = lane[j] > m ? lane[j] : m;
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

double ExpAndSum(std::span<const float> row, float max_value, float* w) {
  const int64_t n = static_cast<int64_t>(row.size());
  const float* x = row.data();
  double total = 0.0;
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    float lane[kLanes] = {};
    for (int64_t b = 0; b < kBlock; b += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const float e = FastExp(x[i + b + j] - max_value);
        if (w != nullptr) w[i + b + j] = e;
        lane[j] += e;
      }
    }
    double block = 0.0;
    for (int j = 0; j < kLanes; ++j) block += lane[j];
    total += block;
  }
  for (; i < n; ++i) {
    const float e = FastExp(x[i] - max_value);
    if (w != nullptr) w[i] = e;
    total += e;
  }
  return total;
}

}  // namespace vllm
