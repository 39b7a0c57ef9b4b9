// `vllm-cpp gguf FILE`: validates a GGUF model (every header field, as loading does) and lists
// its metadata and tensors. `--dequant NAME --out x.npy` writes one tensor decoded to f32 by the
// CPU kernels' row decoder ([rows, cols] = [ne1, ne0]; how the tests compare it with gguf.quants).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "io/gguf.h"
#include "io/gguf_types.h"
#include "kernels/cpu/cpu_ops.h"
#include "util/npy.h"

namespace vllm::cli {

namespace {

std::string Describe(const GgufValue& v) {
  switch (v.type) {
    case GgufType::kString: return "\"" + (v.str.size() > 80 ? v.str.substr(0, 80) + "..." : v.str) + "\"";
    case GgufType::kArray: return std::string("[") + GgufTypeName(v.elem_type) + " x " + std::to_string(v.ArraySize()) + "]";
    case GgufType::kF32: case GgufType::kF64: return std::to_string(v.f);
    case GgufType::kBool: return v.i ? "true" : "false";
    default: return std::to_string(v.i);
  }
}

int Fail(const Status& s) {
  std::fprintf(stderr, "vllm-cpp gguf: %s\n", s.message().c_str());
  return 1;
}

}  // namespace

int RunGguf(int argc, char** argv) {
  CLI::App app{"Validate a GGUF model and list its metadata and tensors"};
  std::string path, dequant, out;
  app.add_option("model", path, ".gguf file (any part of a split) or a directory holding one")->required();
  app.add_option("--dequant", dequant, "Decode this tensor to f32 (with --out)");
  app.add_option("--out", out, ".npy file for --dequant");
  CLI11_PARSE(app, argc, argv);
  auto model = GgufModel::Open(path);
  if (!model.ok()) return Fail(model.status());
  if (!dequant.empty()) {
    const GgufTensor* t = model->Find(dequant);
    if (!t) return Fail(NotFound(path + ": no tensor '" + dequant + "'"));
    if (out.empty()) return Fail(InvalidArgument("--dequant needs --out"));
    const GgmlTypeInfo info = GgmlType(t->ggml_type);
    if (!info.dense && info.block == BlockQuant::kNone) return Fail(InvalidArgument("cannot decode " + GgmlTypeLabel(t->ggml_type)));
    if (info.dense && info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16)
      return Fail(InvalidArgument("cannot decode " + GgmlTypeLabel(t->ggml_type)));
    const int64_t cols = t->ne[0], rows = t->NumElements() / cols;
    WeightMatrix w;
    w.rows = rows;
    w.cols = cols;
    w.block = info.block;
    w.dtype = info.dense ? info.dtype : DType::kF32;
    w.data = BufferView{reinterpret_cast<const std::byte*>(t->data), t->num_bytes};
    // The mapping may be unaligned for dense types; decode from an aligned copy.
    std::vector<uint8_t> copy(t->data, t->data + t->num_bytes);
    w.data = BufferView{reinterpret_cast<const std::byte*>(copy.data()), copy.size()};
    std::vector<float> values(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) cpu::LoadRow(w, r, values.data() + r * cols);
    Status st = WriteNpyF32(out, values.data(), {rows, cols});
    return st.ok() ? 0 : Fail(st);
  }
  const GgufFile& f = model->first();
  std::printf("%s: GGUF v%u, %zu file(s), %zu tensors, %zu metadata keys, alignment %llu\n", model->path().c_str(),
              f.version(), model->num_files(), model->tensors().size(), f.metadata().size(),
              static_cast<unsigned long long>(f.alignment()));
  for (const auto& [k, v] : f.metadata()) std::printf("  %-48s %s\n", k.c_str(), Describe(v).c_str());
  for (const auto& [name, t] : model->tensors())
    std::printf("  %-40s %-10s %s\n", name.c_str(), GgmlType(t->ggml_type).name, t->ShapeString().c_str());
  return 0;
}

}  // namespace vllm::cli
