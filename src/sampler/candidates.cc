#include "sampler/candidates.h"

#include "util/check.h"

namespace vllm {

int32_t DrawToken(const Candidates& c, double u) {
  CHECK(c.valid()) << "DrawToken needs positive total weight";
  const double target = u * c.total;
  double cum = 0.0;
  int32_t last_positive = -1;
  const int64_t n = c.size();
  for (int64_t j = 0; j < n; ++j) {
    const int32_t id = c.id(j);
    const float w = c.weights[id];
    if (!(w > 0.0f)) continue;
    cum += w;
    last_positive = id;
    if (cum > target) return id;
  }
  // u * total rounded up to total: the last token with mass owns the top of the CDF.
  return last_positive;
}

}  // namespace vllm
