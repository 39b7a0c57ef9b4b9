// All tensors of a model directory, across shards: model.safetensors, or the shards named in
// model.safetensors.index.json, or (as mlx-lm does) every model*.safetensors file.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.h"

namespace vllm {

class WeightStore {
 public:
  static Result<WeightStore> OpenDirectory(const std::string& dir);

  // nullptr when absent. The view stays valid while this store lives.
  const TensorView* Find(const std::string& name) const;
  bool Has(const std::string& name) const { return Find(name) != nullptr; }
  // The file a tensor lives in (for error messages).
  std::string FileOf(const std::string& name) const;
  std::vector<std::string> Names() const;
  size_t num_files() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, size_t> index_;  // tensor name -> files_ index
};

}  // namespace vllm
