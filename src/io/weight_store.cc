#include "io/weight_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

namespace vllm {

namespace fs = std::filesystem;

namespace {

Result<std::vector<std::string>> ShardPaths(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound(dir + ": not a directory");
  fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(index, ec)) {
    std::ifstream in(index);
    nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("weight_map") || !j["weight_map"].is_object())
      return DataLoss(index.string() + ": not a valid index (needs a 'weight_map' object)");
    std::set<std::string> files;
    for (auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string()) return DataLoss(index.string() + ": weight_map['" + name + "'] is not a string");
      std::string f = file.get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        return DataLoss(index.string() + ": shard name '" + f + "' must be a plain file name");
      files.insert(f);
    }
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back((fs::path(dir) / f).string());
    return paths;
  }
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind("model", 0) == 0 && name.size() > 12 &&
        name.compare(name.size() - 12, 12, ".safetensors") == 0)
      paths.push_back(e.path().string());
  }
  if (ec) return NotFound(dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) return NotFound(dir + ": no model*.safetensors files");
  return paths;
}

}  // namespace

Result<WeightStore> WeightStore::OpenDirectory(const std::string& dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> paths, ShardPaths(dir));
  WeightStore store;
  for (const auto& p : paths) {
    ASSIGN_OR_RETURN(SafetensorsFile f, SafetensorsFile::Open(p));
    size_t idx = store.files_.size();
    for (const auto& [name, view] : f.tensors()) {
      auto [it, inserted] = store.index_.emplace(name, idx);
      if (!inserted)
        return DataLoss(p + ": tensor '" + name + "' also appears in " + store.files_[it->second]->path());
    }
    store.files_.push_back(std::make_unique<SafetensorsFile>(std::move(f)));
  }
  return store;
}

const TensorView* WeightStore::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : files_[it->second]->Find(name);
}

std::string WeightStore::FileOf(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? std::string() : files_[it->second]->path();
}

std::vector<std::string> WeightStore::Names() const {
  std::vector<std::string> names;
  for (const auto& [n, i] : index_) names.push_back(n);
  return names;
}

}  // namespace vllm
