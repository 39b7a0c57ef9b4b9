// Defaults of the Backend's optional ops: a backend without MoE kernels refuses MoE models at
// load (SupportsMoe), so reaching these is a programmer error.
#include "kernels/backend.h"

#include "util/check.h"

namespace vllm {

void Backend::RouterTopK(const float*, int64_t, const RouterParams&, int32_t*, float*) {
  CHECK(false) << "RouterTopK on backend '" << Describe() << "', which has no MoE kernels "
               << "(model load should have refused the model: Backend::SupportsMoe)";
}

void Backend::MoeExperts(const MoeWeights&, const float*, int64_t, int64_t, const int32_t*,
                         const float*, float*) {
  CHECK(false) << "MoeExperts on backend '" << Describe() << "', which has no MoE kernels "
               << "(model load should have refused the model: Backend::SupportsMoe)";
}

Status Backend::SupportsWeight(const WeightMatrix& w) const {
  if (!w.block_quantized()) return Status::Ok();
  return Unimplemented("backend '" + Describe() + "' has no kernels for GGUF " +
                       std::string(BlockQuantName(w.block)) +
                       " weights yet (use --device cpu)");
}

void Backend::GeluTanhMul(const float*, const float*, int64_t, float*) {
  CHECK(false) << "GeluTanhMul on backend '" << Describe()
               << "' (model load should have refused the model: Backend::SupportsGemmaOps)";
}

void Backend::Scale(float*, int64_t, float) {
  CHECK(false) << "Scale on backend '" << Describe()
               << "' (model load should have refused the model: Backend::SupportsGemmaOps)";
}
namespace {
[[noreturn]] void NoMamba(const Backend& b, const char* op) {
  CHECK(false) << op << " on backend '" << b.Describe() << "', which has no state-space kernels "
               << "(model load should have refused the model: Backend::SupportsMamba)";
  __builtin_unreachable();
}
}  // namespace

void Backend::CausalConv1d(const float*, int64_t, const BatchView&, const MambaShape&, const MambaParams&,
                           MambaState, float*) {
  NoMamba(*this, "CausalConv1d");
}
void Backend::SsmScan(const float*, const float*, int64_t, const BatchView&, const MambaShape&,
                      const MambaParams&, MambaState, float*) {
  NoMamba(*this, "SsmScan");
}
void Backend::GatedGroupRmsNorm(const float*, const float*, int64_t, const float*, int64_t, int64_t, int64_t,
                                float, float*) {
  NoMamba(*this, "GatedGroupRmsNorm");
}
void Backend::Relu2(const float*, int64_t, float*) { NoMamba(*this, "Relu2"); }

}  // namespace vllm
