// Which files of a repo a checkpoint needs, so `pull` never fetches READMEs, PyTorch .bin
// duplicates or the other 20 quantizations of a GGUF repo:
//   - config, generation config and tokenizer files (top level);
//   - weights: the shards named by model.safetensors.index.json (plus the index), else
//     model.safetensors, else every top-level *.safetensors (mlx-lm's rule);
//   - or one GGUF: --gguf-file PATH, or the `:QUANT` suffix (Q4_K_M matches
//     "*-Q4_K_M.gguf", case-insensitively; all shards of a split GGUF), or the only GGUF, or
//     Q4_K_M when the repo has several and no safetensors (llama.cpp's and Ollama's default).
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace vllm::hub {

enum class FileSet {
  kCheckpoint,  // config + tokenizer + weights
  kTokenizer,   // config + tokenizer (random-weight runs, tokenize commands)
};

struct Selection {
  std::vector<std::string> files;  // repo paths, sorted
  std::string gguf;  // the GGUF picked ("" for safetensors); its first shard when split
  // model.safetensors.index.json is listed: fetch it and call AddIndexedShards.
  bool needs_index = false;
};

struct SelectRequest {
  FileSet set = FileSet::kCheckpoint;
  std::string gguf_file;   // --gguf-file
  std::string gguf_quant;  // ORG/NAME:QUANT
};

Result<Selection> SelectFiles(const std::string& repo_id,
                              const std::vector<std::string>& repo_paths, const SelectRequest& req);

// Adds the shard files that model.safetensors.index.json's weight_map names.
Status AddIndexedShards(const std::string& index_json, const std::vector<std::string>& repo_paths,
                        Selection* sel);

}  // namespace vllm::hub
