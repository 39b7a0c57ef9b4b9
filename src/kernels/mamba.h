// Mamba2 (state-space) layers as the kernels see them (MOE_HYBRID.md §2, §5): the shape, the
// layer's small parameters, and one layer's per-sequence state slab. Plain data, non-owning.
//
// A Mamba2 mixer's in_proj output row is  z [I] | xBC [conv_dim] | dt_raw [H], I = H*P,
// conv_dim = I + 2*G*N. The causal conv runs over xBC; its output u splits into
// xs [H, P] | B [G, N] | C [G, N]; head h reads group h / (H/G).
//
// State of one sequence in one layer (one "slot"), f32:
//   | conv: the last K-1 raw xBC rows [K-1, conv_dim] | ssm: S [H, P, N] |
// A layer's slab is [num_slots, slot_floats]. A sequence whose chunk starts at position 0
// starts from zero state (the kernels ignore what the slot held), so a reused slot or a
// preempted-and-recomputed sequence needs no separate reset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace vllm {

struct MambaShape {
  int64_t num_heads = 0;    // H
  int64_t head_dim = 0;     // P
  int64_t num_groups = 0;   // G (B/C groups; H % G == 0)
  int64_t state_size = 0;   // N
  int64_t conv_kernel = 0;  // K

  int64_t inner() const { return num_heads * head_dim; }
  int64_t conv_dim() const { return inner() + 2 * num_groups * state_size; }
  int64_t conv_state_floats() const { return (conv_kernel - 1) * conv_dim(); }
  int64_t ssm_state_floats() const { return num_heads * head_dim * state_size; }
  int64_t slot_floats() const { return conv_state_floats() + ssm_state_floats(); }
  size_t SlotBytes() const { return static_cast<size_t>(slot_floats()) * sizeof(float); }
};

// One Mamba layer's state slab on the backend's device.
struct MambaState {
  float* base = nullptr;
  int64_t slot_floats = 0;
  float* conv(int32_t slot) const { return base + static_cast<int64_t>(slot) * slot_floats; }
  float* ssm(int32_t slot, const MambaShape& s) const { return conv(slot) + s.conv_state_floats(); }
};

// A Mamba layer's small parameters, f32 on the backend's device.
struct MambaParams {
  const float* conv_weight = nullptr;  // [conv_dim, K]; tap K-1 multiplies the current row
  const float* conv_bias = nullptr;    // [conv_dim] or null
  const float* A = nullptr;            // [H] = -exp(A_log)
  const float* dt_bias = nullptr;      // [H]
  const float* D = nullptr;            // [H] skip
  float dt_min = 0.0f;                 // dt = clip(softplus(.), dt_min, dt_max): the config's
  float dt_max = std::numeric_limits<float>::infinity();  // time_step_limit (default: no clip)
};

}  // namespace vllm
