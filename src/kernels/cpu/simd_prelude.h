// Included first by every *_avx2.cc / *_avx512.cc, before their target pragma (simd_target.h).
// Everything here — the standard library, util/, model/ — is thereby compiled for the
// baseline ISA even in those files. Inline functions and template instantiations from these
// headers are emitted as weak symbols shared by the whole binary; if a SIMD file compiled
// them with AVX-512, the linker could hand that copy to the scalar path of a portable build
// running on a CPU without AVX-512. Only code defined after the pragma (the S-templated
// kernels, whose instantiations are unique per target) gets the wider ISA.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/cpu/dequant.h"
#include "kernels/cpu/dispatch.h"
#include "kernels/cpu/row_prefetch.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/weight_matrix.h"
#include "util/check.h"
#include "util/half.h"
#include "util/thread_pool.h"
