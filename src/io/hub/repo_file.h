// One file of a hub repository at a commit, as the tree API lists it: its path, size and
// the checksum the hub names it by (the cache's blob name, and the download's ETag).
#pragma once

#include <cstdint>
#include <string>

namespace vllm::hub {

struct RepoFile {
  std::string path;        // "model-00001-of-00002.safetensors", may hold '/'
  int64_t size = 0;        // bytes of the real file (the LFS size for LFS files)
  std::string blob_id;     // git blob sha1 (of the LFS pointer for LFS files)
  std::string lfs_sha256;  // "" for regular git files
  int64_t lfs_size = 0;

  // The ETag the hub serves it with and the cache's blob name.
  const std::string& etag() const { return lfs_sha256.empty() ? blob_id : lfs_sha256; }
};

}  // namespace vllm::hub
