#include "io/hub/snapshot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/hub/blob_fetch.h"
#include "io/hub/hub_api.h"
#include "io/hub/hub_cache.h"
#include "util/logging.h"

namespace vllm::hub {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> Paths(const std::vector<RepoFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

const RepoFile* Find(const std::vector<RepoFile>& files, const std::string& path) {
  for (const auto& f : files)
    if (f.path == path) return &f;
  return nullptr;
}

// Every file under a snapshot folder whose link resolves (a dangling link is a missing file).
std::vector<std::string> SnapshotFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (fs::is_regular_file(it->path(), ec))
      out.push_back(it->path().lexically_relative(dir).string());
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Snapshot MakeSnapshot(const HubCache& cache, const std::string& repo_id, const std::string& commit,
                      const Selection& sel) {
  Snapshot s{.dir = cache.SnapshotDir(repo_id, commit), .commit = commit, .files = sel.files};
  if (!sel.gguf.empty()) s.gguf = s.dir + "/" + sel.gguf;
  return s;
}

std::string OfflineHint(const HubRef& ref) {
  return "; download it first with `vllm-cpp pull " + ref.ToString() +
         "` (with network, without HF_HUB_OFFLINE/--offline)";
}

}  // namespace

Result<Snapshot> FindCachedSnapshot(const HubSettings& settings, const SnapshotRequest& req) {
  const HubCache cache(settings.cache_dir);
  const std::string& repo = req.ref.repo_id;
  auto commit = cache.ResolveCachedRevision(repo, req.ref.revision);
  if (!commit.ok()) return NotFound(commit.status().message() + OfflineHint(req.ref));
  const std::string dir = cache.SnapshotDir(repo, commit.value());
  const std::vector<std::string> present = SnapshotFiles(dir);
  // With the commit's listing (written by either tool) we know what the checkpoint needs;
  // without it, the snapshot's own files are all we can judge by.
  auto tree = cache.ReadTree(repo, commit.value());
  const std::vector<std::string> listing = tree.ok() ? Paths(tree.value()) : present;
  auto sel = SelectFiles(repo, listing, req.select);
  if (!sel.ok())
    return NotFound("cached '" + req.ref.ToString() + "': " + sel.status().message() +
                    OfflineHint(req.ref));
  if (sel->needs_index) {
    const std::string index = dir + "/model.safetensors.index.json";
    if (!fs::exists(index))
      return NotFound("cached '" + req.ref.ToString() + "' lacks model.safetensors.index.json" +
                      OfflineHint(req.ref));
    RETURN_IF_ERROR(AddIndexedShards(ReadFile(index), listing, &sel.value()));
  }
  for (const auto& f : sel->files)
    if (std::find(present.begin(), present.end(), f) == present.end())
      return NotFound("cached '" + req.ref.ToString() + "' (" + dir + ") lacks " + f +
                      OfflineHint(req.ref));
  return MakeSnapshot(cache, repo, commit.value(), sel.value());
}

Result<Snapshot> FetchSnapshot(const HubSettings& settings, const SnapshotRequest& req) {
  if (settings.offline) return FindCachedSnapshot(settings, req);
  const HubCache cache(settings.cache_dir);
  const std::string& repo = req.ref.repo_id;
  HubApi api(settings);
  HubError err;
  auto commit = api.ResolveCommit(repo, req.ref.revision, &err);
  if (!commit.ok()) {
    if (err.kind != HubErrorKind::kUnreachable) return commit.status();
    auto cached = FindCachedSnapshot(settings, req);
    if (!cached.ok()) return commit.status();
    LOG(WARNING) << commit.status().message() << "; using the cached snapshot " << cached->commit;
    return cached;
  }
  auto files = cache.ReadTree(repo, commit.value());  // a commit's listing never changes
  if (!files.ok()) {
    files = api.ListFiles(repo, commit.value(), &err);
    if (!files.ok()) return files.status();
  }
  ASSIGN_OR_RETURN(Selection sel, SelectFiles(repo, Paths(files.value()), req.select));
  cache.TagCacheDir();
  RETURN_IF_ERROR(cache.WriteTree(repo, commit.value(), files.value()));
  RETURN_IF_ERROR(cache.WriteRef(repo, req.ref.revision, commit.value()));
  auto fetch = [&](const std::string& path) -> Status {
    const RepoFile* f = Find(files.value(), path);
    CHECK(f) << "selected a file that is not listed: " << path;
    RETURN_IF_ERROR(FetchBlob(api, cache, repo, commit.value(), *f, req.verify_existing));
    return cache.LinkSnapshotFile(repo, commit.value(), path, f->etag());
  };
  if (sel.needs_index) {
    RETURN_IF_ERROR(fetch("model.safetensors.index.json"));
    const std::string index =
        cache.SnapshotDir(repo, commit.value()) + "/model.safetensors.index.json";
    RETURN_IF_ERROR(AddIndexedShards(ReadFile(index), Paths(files.value()), &sel));
  }
  for (const auto& path : sel.files) RETURN_IF_ERROR(fetch(path));
  return MakeSnapshot(cache, repo, commit.value(), sel);
}

}  // namespace vllm::hub
