#include "io/hub/file_selection.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

namespace vllm::hub {

namespace {

// Config and tokenizer files of transformers / mlx-lm checkpoints.
const char* const kMetaFiles[] = {
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "tokenizer.model",
    "vocab.json",
    "merges.txt",
    "chat_template.jinja",
    "chat_template.json",
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsGguf(const std::string& p) { return EndsWith(Lower(p), ".gguf"); }

// Projector files for vision towers share the repo but are not the language model.
bool IsMmproj(const std::string& p) { return Lower(p).find("mmproj") != std::string::npos; }

// "...-00001-of-00003.gguf" -> "...", 1; otherwise the path and 0.
std::pair<std::string, int> SplitShard(const std::string& p) {
  static const std::regex kShard(R"((.*)-(\d{5})-of-\d{5}\.gguf$)", std::regex::icase);
  std::smatch m;
  if (std::regex_match(p, m, kShard)) return {m[1].str(), std::stoi(m[2].str())};
  return {p, 0};
}

// GGUF files whose name carries the quant as a whole word: Q4_K_M matches
// "model-Q4_K_M.gguf" and "Q4_K_M/model-Q4_K_M-00001-of-00002.gguf", not "model-Q4_K_M_L.gguf".
std::vector<std::string> MatchQuant(const std::vector<std::string>& ggufs,
                                    const std::string& quant) {
  const std::string q = Lower(quant);
  std::vector<std::string> out;
  for (const std::string& p : ggufs) {
    const std::string base = Lower(SplitShard(p).first.substr(p.rfind('/') + 1));
    const std::string stem = EndsWith(base, ".gguf") ? base.substr(0, base.size() - 5) : base;
    for (size_t pos = stem.find(q); pos != std::string::npos; pos = stem.find(q, pos + 1)) {
      const bool left = pos == 0 || !std::isalnum(static_cast<unsigned char>(stem[pos - 1]));
      const size_t end = pos + q.size();
      const bool right = end == stem.size() ||
                         (stem[end] != '_' && !std::isalnum(static_cast<unsigned char>(stem[end])));
      if (left && right) {
        out.push_back(p);
        break;
      }
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The GGUF (and its sibling shards) the request picks.
Result<std::vector<std::string>> PickGguf(const std::string& repo_id,
                                          const std::vector<std::string>& ggufs,
                                          const SelectRequest& req) {
  std::vector<std::string> picked;
  if (!req.gguf_file.empty()) {
    if (std::find(ggufs.begin(), ggufs.end(), req.gguf_file) == ggufs.end())
      return NotFound("'" + repo_id + "' has no GGUF file '" + req.gguf_file + "'" +
                      (ggufs.empty() ? "" : " (it has: " + Join(ggufs) + ")"));
    picked = {req.gguf_file};
  } else if (!req.gguf_quant.empty()) {
    picked = MatchQuant(ggufs, req.gguf_quant);
    if (picked.empty())
      return NotFound("'" + repo_id + "' has no GGUF file for ':" + req.gguf_quant + "'" +
                      (ggufs.empty() ? "" : " (it has: " + Join(ggufs) + ")"));
  } else if (ggufs.size() == 1) {
    picked = ggufs;
  } else {
    picked = MatchQuant(ggufs, "Q4_K_M");
    if (picked.empty())
      return InvalidArgument("'" + repo_id + "' has " + std::to_string(ggufs.size()) +
                             " GGUF files; pick one with ORG/NAME:QUANT or --gguf-file (" +
                             Join(ggufs) + ")");
  }
  // One model only: a quant may match two differently named files; shards of one are fine.
  std::set<std::string> stems;
  for (const auto& p : picked) stems.insert(SplitShard(p).first);
  if (stems.size() > 1)
    return InvalidArgument("'" + repo_id + "': ':" + req.gguf_quant +
                           "' matches several GGUF files (" + Join(picked) +
                           "); pick one with --gguf-file");
  // All shards of a split GGUF, whichever shard was named.
  if (SplitShard(picked.front()).second > 0) {
    const std::string stem = SplitShard(picked.front()).first;
    picked.clear();
    for (const auto& p : ggufs)
      if (SplitShard(p).second > 0 && SplitShard(p).first == stem) picked.push_back(p);
  }
  std::sort(picked.begin(), picked.end());
  return picked;
}

}  // namespace

Result<Selection> SelectFiles(const std::string& repo_id,
                              const std::vector<std::string>& repo_paths,
                              const SelectRequest& req) {
  Selection sel;
  const std::set<std::string> all(repo_paths.begin(), repo_paths.end());
  for (const char* m : kMetaFiles)
    if (all.count(m)) sel.files.push_back(m);
  std::vector<std::string> ggufs, safetensors;
  for (const auto& p : repo_paths) {
    if (IsGguf(p) && !IsMmproj(p)) ggufs.push_back(p);
    if (EndsWith(p, ".safetensors") && p.find('/') == std::string::npos) safetensors.push_back(p);
  }
  std::sort(ggufs.begin(), ggufs.end());
  std::sort(safetensors.begin(), safetensors.end());
  const bool want_gguf =
      !req.gguf_file.empty() || !req.gguf_quant.empty() || (safetensors.empty() && !ggufs.empty());
  if (want_gguf) {
    ASSIGN_OR_RETURN(std::vector<std::string> picked, PickGguf(repo_id, ggufs, req));
    sel.gguf = picked.front();
    if (req.set == FileSet::kCheckpoint)
      sel.files.insert(sel.files.end(), picked.begin(), picked.end());
  } else if (req.set == FileSet::kCheckpoint) {
    if (all.count("model.safetensors.index.json")) {
      sel.files.push_back("model.safetensors.index.json");
      sel.needs_index = true;
    } else if (all.count("model.safetensors")) {
      sel.files.push_back("model.safetensors");
    } else if (!safetensors.empty()) {
      sel.files.insert(sel.files.end(), safetensors.begin(), safetensors.end());
    } else {
      const bool has_bin = std::any_of(repo_paths.begin(), repo_paths.end(),
                                       [](const std::string& p) { return EndsWith(p, ".bin"); });
      return NotFound("'" + repo_id + "' has no safetensors or GGUF weights" +
                      (has_bin ? " (only PyTorch .bin files, which vllm-cpp does not load)" : ""));
    }
  }
  if (!want_gguf && !all.count("config.json"))
    return NotFound("'" + repo_id + "' has no config.json: not a transformers / mlx-lm checkpoint");
  std::sort(sel.files.begin(), sel.files.end());
  return sel;
}

Status AddIndexedShards(const std::string& index_json, const std::vector<std::string>& repo_paths,
                        Selection* sel) {
  auto j = nlohmann::json::parse(index_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("weight_map") ||
      !j["weight_map"].is_object())
    return DataLoss("model.safetensors.index.json: no weight_map object");
  std::set<std::string> shards;
  for (const auto& [name, file] : j["weight_map"].items()) {
    if (!file.is_string())
      return DataLoss("model.safetensors.index.json: weight_map['" + name +
                      "'] is not a file name");
    shards.insert(file.get<std::string>());
  }
  const std::set<std::string> all(repo_paths.begin(), repo_paths.end());
  for (const auto& s : shards) {
    if (!all.count(s))
      return NotFound("model.safetensors.index.json names '" + s +
                      "', which the repo does not have");
    sel->files.push_back(s);
  }
  std::sort(sel->files.begin(), sel->files.end());
  sel->needs_index = false;
  return Status::Ok();
}

}  // namespace vllm::hub
