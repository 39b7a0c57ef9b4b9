// Naive state-space (Mamba2) references (tests only), in double, one sequence at a time,
// written from MOE_HYBRID.md §2 in its "concatenate state and chunk" form (no code shared with
// cpu/mamba.cc). States are passed in and updated in place.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/mamba.h"

namespace vllm::ref {

// x [n, C] raw rows; conv_state [K-1, C] in/out; weight [C, K]; bias [C] or empty.
// Returns silu(conv) [n, C].
std::vector<double> CausalConv1d(const std::vector<float>& x, int64_t n, const MambaShape& shape,
                                 const std::vector<float>& weight, const std::vector<float>& bias,
                                 std::vector<double>& conv_state);

// u [n, conv_dim] (xs | B | C), dt_raw [n, H]; S [H, P, N] in/out. Returns y [n, H*P].
std::vector<double> SsmScan(const std::vector<float>& u, const std::vector<float>& dt_raw, int64_t n,
                            const MambaShape& shape, const std::vector<float>& A,
                            const std::vector<float>& dt_bias, const std::vector<float>& D,
                            double dt_min, double dt_max, std::vector<double>& S);

// y, z [rows, dim] -> weight * groupwise-RmsNorm(y * silu(z)).
std::vector<double> GatedGroupRmsNorm(const std::vector<float>& y, const std::vector<float>& z,
                                      const std::vector<float>& weight, int64_t rows, int64_t dim,
                                      int64_t group_size, double eps);

}  // namespace vllm::ref
