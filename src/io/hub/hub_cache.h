// The huggingface_hub cache layout, exactly (so Python tools and vllm-cpp share downloads):
//
//   <cache_dir>/
//     CACHEDIR.TAG
//     .locks/models--ORG--NAME/<etag>.lock          flock()ed while a blob is written
//     models--ORG--NAME/
//       blobs/<etag>                                the file bytes; etag = sha256 (LFS) or git sha1
//       refs/<revision>                             commit hash of a branch/tag, no newline
//       snapshots/<commit>/<path>                   relative symlink -> ../../blobs/<etag>
//       trees/<commit>.json                         the commit's full file listing (huggingface_hub
//       >= 1.x)
//
// Blobs appear only by rename from a verified temporary file, so a file under blobs/ is
// always complete; a snapshot link is made only after its blob exists.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/hub/repo_file.h"
#include "util/status.h"

namespace vllm::hub {

// One cached repository, for `vllm-cpp models --cached`.
struct CachedRepo {
  std::string repo_id;
  std::string path;                         // models--ORG--NAME
  int64_t size_bytes = 0;                   // sum of its blobs
  int64_t t_modified_unix = 0;              // newest blob
  std::map<std::string, std::string> refs;  // revision -> commit
  std::vector<std::string> snapshots;       // commit hashes present
};

class HubCache {
 public:
  explicit HubCache(std::string cache_dir) : root_(std::move(cache_dir)) {}

  const std::string& root() const { return root_; }
  // models--ORG--NAME (huggingface_hub repo_folder_name for repo_type "model").
  static std::string RepoFolderName(const std::string& repo_id);
  std::string RepoDir(const std::string& repo_id) const;
  std::string BlobPath(const std::string& repo_id, const std::string& etag) const;
  std::string SnapshotDir(const std::string& repo_id, const std::string& commit) const;
  std::string LockPath(const std::string& repo_id, const std::string& etag) const;

  // The commit a revision names in the cache: itself when it is a commit hash with a
  // snapshot, else refs/<revision>. NotFound when neither is there.
  Result<std::string> ResolveCachedRevision(const std::string& repo_id,
                                            const std::string& revision) const;
  // refs/<revision> = commit (atomic: temp file + rename); nothing when revision is the commit.
  Status WriteRef(const std::string& repo_id, const std::string& revision,
                  const std::string& commit) const;
  // snapshots/<commit>/<path> -> relative link to blobs/<etag>, replacing what was there.
  Status LinkSnapshotFile(const std::string& repo_id, const std::string& commit,
                          const std::string& path, const std::string& etag) const;
  // CACHEDIR.TAG (the Cache Directory Tagging Standard), as huggingface_hub writes it.
  void TagCacheDir() const;

  // trees/<commit>.json: the listing huggingface_hub writes (same bytes), and reads.
  Status WriteTree(const std::string& repo_id, const std::string& commit,
                   const std::vector<RepoFile>& files) const;
  Result<std::vector<RepoFile>> ReadTree(const std::string& repo_id,
                                         const std::string& commit) const;

  std::vector<CachedRepo> List() const;
  // Removes models--ORG--NAME and its locks. NotFound when not cached.
  Status Remove(const std::string& repo_id) const;

 private:
  std::string root_;
};

}  // namespace vllm::hub
