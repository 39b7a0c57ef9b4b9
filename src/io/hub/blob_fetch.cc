#include "io/hub/blob_fetch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "io/hub/checksum.h"
#include "io/hub/file_lock.h"
#include "io/hub/progress.h"
#include "util/logging.h"

namespace vllm::hub {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxTriesWithoutProgress = 5;
constexpr int kMaxRedirects = 5;

enum class Outcome { kComplete, kRetry, kFatal };

struct Attempt {
  Outcome outcome;
  Status status;  // why (kRetry: logged; kFatal: returned)
};

int64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : -1;
}

// Existing blob: right size, and (when asked) right checksum.
Status CheckExisting(const std::string& blob, const RepoFile& f, bool verify) {
  const int64_t size = FileSize(blob);
  if (size != f.size)
    return DataLoss(f.path + ": the cached blob has " + std::to_string(size) +
                    " bytes, the hub says " + std::to_string(f.size));
  return verify ? VerifyFile(blob, f.etag(), f.path + " (cached blob " + blob + ")") : Status::Ok();
}

// One GET of the file into `part`, from its current size on.
Attempt TransferOnce(HubApi& api, const std::string& repo_id, const std::string& first_url,
                     const std::string& part, const RepoFile& f, DownloadProgress* progress) {
  int64_t offset = std::max<int64_t>(FileSize(part), 0);
  if (offset > f.size) {
    fs::resize_file(part, 0);
    offset = 0;
  }
  if (offset == f.size) return {Outcome::kComplete, Status::Ok()};
  progress->Reset(offset);
  std::unique_ptr<FILE, decltype(&std::fclose)> out(std::fopen(part.c_str(), "ab"), &std::fclose);
  if (!out) return {Outcome::kFatal, Internal("cannot write " + part)};
  bool restarted = false;
  auto sink = [&](long status, const char* data, size_t n) {
    if (status == 200 && offset > 0 && !restarted) {  // the server ignored Range: start over
      restarted = true;
      std::fflush(out.get());
      if (::ftruncate(fileno(out.get()), 0) != 0) return false;
      progress->Reset(0);
    }
    if (std::fwrite(data, 1, n, out.get()) != n) return false;
    progress->Add(static_cast<int64_t>(n));
    return true;
  };
  std::string url = first_url;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    auto r = HttpFetch(
        {.url = url, .headers = api.HeadersFor(url), .range_from = offset, .on_body = sink});
    std::fflush(out.get());
    if (!r.ok()) return {Outcome::kRetry, Internal(f.path + ": " + r.status().message())};
    if (r->status >= 300 && r->status < 400 && !r->header("location").empty()) {
      url = ResolveLocation(url, r->header("location"));
      continue;
    }
    if (r->status == 416) {  // our partial file does not fit the server's: start from zero
      std::fflush(out.get());
      if (::ftruncate(fileno(out.get()), 0) != 0)
        return {Outcome::kFatal, Internal("cannot truncate " + part)};
      return {Outcome::kRetry, Internal(f.path + ": HTTP 416 for the resumed range")};
    }
    if (r->status < 200 || r->status >= 300) {
      HubError e = api.Classify(r.value(), repo_id, f.path);
      return {e.kind == HubErrorKind::kUnreachable ? Outcome::kRetry : Outcome::kFatal, e.status};
    }
    const int64_t got = FileSize(part);
    if (got < f.size)
      return {Outcome::kRetry,
              Internal(f.path + ": the connection ended at " + std::to_string(got) + " of " +
                       std::to_string(f.size) + " bytes")};
    if (got > f.size)
      return {Outcome::kFatal, DataLoss(f.path + ": the hub sent " + std::to_string(got) +
                                        " bytes, more than its listed " + std::to_string(f.size))};
    return {Outcome::kComplete, Status::Ok()};
  }
  return {Outcome::kFatal, Internal(f.path + ": too many redirects")};
}

}  // namespace

Status FetchBlob(HubApi& api, const HubCache& cache, const std::string& repo_id,
                 const std::string& commit, const RepoFile& f, bool verify_existing) {
  const std::string blob = cache.BlobPath(repo_id, f.etag());
  std::error_code ec;
  fs::create_directories(fs::path(blob).parent_path(), ec);
  ASSIGN_OR_RETURN(FileLock lock,
                   FileLock::Acquire(cache.LockPath(repo_id, f.etag()), repo_id + "/" + f.path));
  if (fs::exists(blob, ec)) {
    Status st = CheckExisting(blob, f, verify_existing);
    if (st.ok()) return st;
    LOG(WARNING) << st.message() << "; fetching it again";
    fs::remove(blob, ec);
  }
  const std::string part = blob + ".incomplete";
  const std::string url = api.ResolveUrl(repo_id, commit, f.path);
  DownloadProgress progress(f.path, f.size, std::max<int64_t>(FileSize(part), 0));
  int tries_without_progress = 0, mismatches = 0;
  for (int64_t before = FileSize(part);;) {
    Attempt a = TransferOnce(api, repo_id, url, part, f, &progress);
    if (a.outcome == Outcome::kFatal) return a.status;
    if (a.outcome == Outcome::kRetry) {
      const int64_t now = FileSize(part);
      tries_without_progress = now > before ? 0 : tries_without_progress + 1;
      before = now;
      if (tries_without_progress >= kMaxTriesWithoutProgress)
        return a.status.WithContext("giving up after " + std::to_string(kMaxTriesWithoutProgress) +
                                    " tries");
      LOG(WARNING) << a.status.message() << "; resuming";
      BackOff(tries_without_progress);
      continue;
    }
    if (Status st = VerifyFile(part, f.etag(), repo_id + "/" + f.path); !st.ok()) {
      fs::remove(part, ec);
      if (++mismatches >= 2) return st.WithContext("refused (downloaded twice)");
      LOG(WARNING) << st.message() << "; downloading it again";
      before = 0;
      continue;
    }
    progress.Finish();
    fs::rename(part, blob, ec);
    if (ec) return Internal("cannot rename " + part + " to " + blob + ": " + ec.message());
    return Status::Ok();
  }
}

}  // namespace vllm::hub
