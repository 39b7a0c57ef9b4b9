#include "io/hub/hub_cache.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "io/hub/hub_ref.h"

namespace vllm::hub {

namespace fs = std::filesystem;

namespace {

// huggingface_hub's CACHEDIR_TAG_CONTENT, byte for byte.
constexpr const char* kCacheDirTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by huggingface_hub.\n"
    "# For information about cache directory tags, see:\n"
    "#\thttps://bford.info/cachedir/\n";

std::string ReadSmallFile(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Writes next to `dst` under a unique name, then renames over it: readers see the old
// content or the new, never a torn file.
Status WriteAtomically(const fs::path& dst, const std::string& bytes) {
  std::error_code ec;
  fs::create_directories(dst.parent_path(), ec);
  std::random_device rd;
  const fs::path tmp =
      dst.string() + "." + std::to_string(getpid()) + "." + std::to_string(rd()) + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << bytes;
    if (!f.flush()) return Internal("cannot write " + tmp.string());
  }
  fs::rename(tmp, dst, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Internal("cannot rename onto " + dst.string() + ": " + ec.message());
  }
  return Status::Ok();
}

}  // namespace

std::string HubCache::RepoFolderName(const std::string& repo_id) {
  std::string out = "models";
  std::stringstream ss(repo_id);
  std::string part;
  while (std::getline(ss, part, '/')) out += "--" + part;
  return out;
}

std::string HubCache::RepoDir(const std::string& repo_id) const {
  return root_ + "/" + RepoFolderName(repo_id);
}

std::string HubCache::BlobPath(const std::string& repo_id, const std::string& etag) const {
  return RepoDir(repo_id) + "/blobs/" + etag;
}

std::string HubCache::SnapshotDir(const std::string& repo_id, const std::string& commit) const {
  return RepoDir(repo_id) + "/snapshots/" + commit;
}

std::string HubCache::LockPath(const std::string& repo_id, const std::string& etag) const {
  return root_ + "/.locks/" + RepoFolderName(repo_id) + "/" + etag + ".lock";
}

Result<std::string> HubCache::ResolveCachedRevision(const std::string& repo_id,
                                                    const std::string& revision) const {
  std::error_code ec;
  if (IsCommitHash(revision) && fs::is_directory(SnapshotDir(repo_id, revision), ec))
    return revision;
  const fs::path ref = fs::path(RepoDir(repo_id)) / "refs" / revision;
  if (fs::is_regular_file(ref, ec)) {
    std::string commit = ReadSmallFile(ref);
    if (IsCommitHash(commit)) return commit;
    return DataLoss(ref.string() + ": not a commit hash");
  }
  return NotFound("'" + repo_id + "' revision '" + revision + "' is not in the cache " + root_);
}

Status HubCache::WriteRef(const std::string& repo_id, const std::string& revision,
                          const std::string& commit) const {
  if (revision == commit) return Status::Ok();
  const fs::path ref = fs::path(RepoDir(repo_id)) / "refs" / revision;
  std::error_code ec;
  if (fs::is_regular_file(ref, ec) && ReadSmallFile(ref) == commit)
    return Status::Ok();  // cache may be read-only
  return WriteAtomically(ref, commit);
}

Status HubCache::LinkSnapshotFile(const std::string& repo_id, const std::string& commit,
                                  const std::string& path, const std::string& etag) const {
  const fs::path link = fs::path(SnapshotDir(repo_id, commit)) / path;
  std::error_code ec;
  fs::create_directories(link.parent_path(), ec);
  // From snapshots/<commit>/<dirs...>/ up to the repo folder: two levels plus one per '/'.
  std::string target;
  for (size_t i = 0; i < 2 + static_cast<size_t>(std::count(path.begin(), path.end(), '/')); ++i)
    target += "../";
  target += "blobs/" + etag;
  if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec) == target) return Status::Ok();
  const fs::path tmp = link.string() + "." + std::to_string(getpid()) + ".tmplink";
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (ec) return Internal("cannot create the link " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, link, ec);  // atomic replace: a reader never finds the name missing
  if (ec) return Internal("cannot rename onto " + link.string() + ": " + ec.message());
  return Status::Ok();
}

void HubCache::TagCacheDir() const {
  const fs::path tag = fs::path(root_) / "CACHEDIR.TAG";
  std::error_code ec;
  if (fs::exists(tag, ec)) return;
  fs::create_directories(root_, ec);
  std::ofstream(tag, std::ios::binary) << kCacheDirTag;
}

Status HubCache::WriteTree(const std::string& repo_id, const std::string& commit,
                           const std::vector<RepoFile>& files) const {
  // huggingface_hub _tree_cache.write_tree_cache: json.dump(indent=1), keys in this order,
  // files sorted by path; ordered_json keeps insertion order like a Python dict.
  std::vector<const RepoFile*> sorted;
  for (const RepoFile& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const RepoFile* a, const RepoFile* b) { return a->path < b->path; });
  nlohmann::ordered_json jfiles = nlohmann::ordered_json::object();
  for (const RepoFile* f : sorted) {
    nlohmann::ordered_json info = {{"size", f->size}, {"blob_id", f->blob_id}};
    if (!f->lfs_sha256.empty()) {
      info["lfs_sha256"] = f->lfs_sha256;
      info["lfs_size"] = f->lfs_size;
    }
    jfiles[f->path] = std::move(info);
  }
  nlohmann::ordered_json doc = {{"format_version", 1}, {"files", std::move(jfiles)}};
  return WriteAtomically(fs::path(RepoDir(repo_id)) / "trees" / (commit + ".json"),
                         doc.dump(1, ' ', /*ensure_ascii=*/true));
}

Result<std::vector<RepoFile>> HubCache::ReadTree(const std::string& repo_id,
                                                 const std::string& commit) const {
  const fs::path p = fs::path(RepoDir(repo_id)) / "trees" / (commit + ".json");
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return NotFound(p.string() + ": no cached file listing");
  auto doc = nlohmann::json::parse(ReadSmallFile(p), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("format_version", 0) != 1 ||
      !doc.contains("files") || !doc["files"].is_object())
    return DataLoss(p.string() + ": not a tree listing of format 1");
  std::vector<RepoFile> out;
  for (auto it = doc["files"].begin(); it != doc["files"].end(); ++it) {
    const auto& info = it.value();
    if (!info.is_object() || !info.contains("size") || !info.contains("blob_id"))
      return DataLoss(p.string() + ": bad entry '" + it.key() + "'");
    RepoFile f{.path = it.key(),
               .size = info["size"].get<int64_t>(),
               .blob_id = info["blob_id"].get<std::string>()};
    if (info.contains("lfs_sha256") && info["lfs_sha256"].is_string()) {
      f.lfs_sha256 = info["lfs_sha256"].get<std::string>();
      f.lfs_size = info.value("lfs_size", f.size);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<CachedRepo> HubCache::List() const {
  std::vector<CachedRepo> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("models--", 0) != 0 || !entry.is_directory(ec)) continue;
    CachedRepo r;
    r.path = entry.path().string();
    r.repo_id = name.substr(8);
    for (size_t pos; (pos = r.repo_id.find("--")) != std::string::npos;)
      r.repo_id.replace(pos, 2, "/");
    for (const auto& b : fs::directory_iterator(entry.path() / "blobs", ec)) {
      const std::string bn = b.path().filename().string();
      if (!b.is_regular_file(ec) || bn.find('.') != std::string::npos)
        continue;  // skip *.incomplete
      r.size_bytes += static_cast<int64_t>(b.file_size(ec));
      struct stat st {};
      if (::stat(b.path().c_str(), &st) == 0)
        r.t_modified_unix = std::max<int64_t>(r.t_modified_unix, st.st_mtime);
    }
    const fs::path refs = entry.path() / "refs";
    for (auto it = fs::recursive_directory_iterator(refs, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec))
        r.refs[it->path().lexically_relative(refs).string()] = ReadSmallFile(it->path());
    for (const auto& s : fs::directory_iterator(entry.path() / "snapshots", ec))
      if (s.is_directory(ec)) r.snapshots.push_back(s.path().filename().string());
    std::sort(r.snapshots.begin(), r.snapshots.end());
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const CachedRepo& a, const CachedRepo& b) { return a.repo_id < b.repo_id; });
  return out;
}

Status HubCache::Remove(const std::string& repo_id) const {
  std::error_code ec;
  const std::string dir = RepoDir(repo_id);
  if (!fs::is_directory(dir, ec)) return NotFound("'" + repo_id + "' is not in the cache " + root_);
  fs::remove_all(dir, ec);
  if (ec) return Internal("cannot remove " + dir + ": " + ec.message());
  fs::remove_all(fs::path(root_) / ".locks" / RepoFolderName(repo_id), ec);
  return Status::Ok();
}

}  // namespace vllm::hub
