#include "io/hub/hub_api.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/logging.h"

namespace vllm::hub {

namespace {

constexpr int kMaxAttempts = 5;

bool Retryable(long status) { return status == 429 || status >= 500; }

// The URL of rel="next" in a Link header ("<url>; rel=\"next\", <url>; rel=\"prev\"").
std::string NextLink(const std::string& link) {
  size_t pos = 0;
  while ((pos = link.find('<', pos)) != std::string::npos) {
    const size_t end = link.find('>', pos);
    if (end == std::string::npos) break;
    const size_t next = link.find('<', end);
    const std::string params =
        link.substr(end, next == std::string::npos ? std::string::npos : next - end);
    if (params.find("rel=\"next\"") != std::string::npos)
      return link.substr(pos + 1, end - pos - 1);
    pos = end;
  }
  return "";
}

}  // namespace

void BackOff(int attempt, const std::string& retry_after) {
  double s = 0.5 * (1 << std::min(attempt, 4));
  if (!retry_after.empty()) {
    char* end = nullptr;
    const double ra = std::strtod(retry_after.c_str(), &end);
    if (end != retry_after.c_str() && ra >= 0) s = std::min(ra, 30.0);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(std::min(s, 30.0)));
}

std::vector<std::string> HubApi::HeadersFor(const std::string& url) const {
  std::vector<std::string> h = {"Accept-Encoding: identity"};
  if (!s_.token.empty() && UrlOrigin(url) == UrlOrigin(s_.endpoint))
    h.push_back("Authorization: Bearer " + s_.token);
  return h;
}

HubError HubApi::Classify(const HttpResponse& r, const std::string& repo_id,
                          const std::string& what) const {
  const std::string code = r.header("x-error-code");
  const std::string message = r.header("x-error-message");
  const std::string at =
      " (" + what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code) + ")";
  if (Retryable(r.status))
    return {HubErrorKind::kUnreachable,
            Internal("the hub at " + s_.endpoint + " is not answering" + at)};
  if (r.status == 401 && message == "Invalid credentials in Authorization header")
    return {
        HubErrorKind::kAuth,
        InvalidArgument(
            "the hub refused the token (HF_TOKEN or the token file): invalid credentials" + at)};
  if (code == "GatedRepo")
    return {HubErrorKind::kAuth,
            InvalidArgument(
                "'" + repo_id + "' is gated: accept its terms on its hub page and set HF_TOKEN " +
                (s_.token.empty() ? "(no token is set)" : "to a token of that account") + at)};
  if (code == "RevisionNotFound")
    return {HubErrorKind::kNotFound, NotFound("'" + repo_id + "': no such revision" + at)};
  if (code == "EntryNotFound")
    return {HubErrorKind::kNotFound, NotFound("'" + repo_id + "': no such file" + at)};
  if (r.status == 401 || r.status == 403 || r.status == 404 || code == "RepoNotFound") {
    const std::string hint = s_.token.empty() ? "; if it is private or gated, set HF_TOKEN" : "";
    return {r.status == 404 || code == "RepoNotFound" || s_.token.empty() ? HubErrorKind::kNotFound
                                                                          : HubErrorKind::kAuth,
            NotFound("'" + repo_id + "' was not found on " + s_.endpoint + hint + at)};
  }
  return {HubErrorKind::kOther,
          Internal("the hub answered an error" + at + (message.empty() ? "" : ": " + message))};
}

Result<HttpResponse> HubApi::GetJson(const std::string& url, const std::string& repo_id,
                                     const std::string& what, HubError* err) {
  for (int attempt = 0;; ++attempt) {
    auto r = HttpFetch({.url = url, .headers = HeadersFor(url)});
    const bool last = attempt + 1 >= kMaxAttempts;
    if (!r.ok()) {
      if (last || r.status().code() == StatusCode::kNotFound) {  // no connection: fail fast
        *err = {HubErrorKind::kUnreachable,
                Internal("cannot reach the hub at " + s_.endpoint + ": " + r.status().message() +
                         " (no network? HF_HUB_OFFLINE=1 or --offline uses the cache only)")};
        return err->status;
      }
      LOG(WARNING) << what << ": " << r.status().message() << "; retrying";
      BackOff(attempt);
      continue;
    }
    if (r->status >= 200 && r->status < 300) return r;
    if (Retryable(r->status) && !last) {
      LOG(WARNING) << what << ": HTTP " << r->status << "; retrying";
      BackOff(attempt, r->header("retry-after"));
      continue;
    }
    *err = Classify(r.value(), repo_id, what);
    return err->status;
  }
}

Result<std::string> HubApi::ResolveCommit(const std::string& repo_id, const std::string& revision,
                                          HubError* err) {
  const std::string url =
      s_.endpoint + "/api/models/" + repo_id + "/revision/" + UrlQuote(revision, "");
  ASSIGN_OR_RETURN(HttpResponse r, GetJson(url, repo_id, "revision " + revision, err));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("sha") || !j["sha"].is_string()) {
    *err = {HubErrorKind::kOther,
            DataLoss(url + ": the answer has no commit 'sha' (is HF_ENDPOINT a hub?)")};
    return err->status;
  }
  return j["sha"].get<std::string>();
}

Result<std::vector<RepoFile>> HubApi::ListFiles(const std::string& repo_id,
                                                const std::string& commit, HubError* err) {
  std::vector<RepoFile> files;
  std::string url = s_.endpoint + "/api/models/" + repo_id + "/tree/" + UrlQuote(commit, "") +
                    "?recursive=true&expand=false";
  for (int page = 0; !url.empty(); ++page) {
    if (page > 10000) return DataLoss(repo_id + ": the file listing does not end");
    ASSIGN_OR_RETURN(HttpResponse r, GetJson(url, repo_id, "file listing", err));
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_array()) {
      *err = {HubErrorKind::kOther, DataLoss(url + ": the file listing is not a JSON array")};
      return err->status;
    }
    for (const auto& e : j) {
      if (!e.is_object() || e.value("type", "") != "file") continue;
      RepoFile f{.path = e.value("path", ""),
                 .size = e.value("size", int64_t{0}),
                 .blob_id = e.value("oid", "")};
      if (e.contains("lfs") && e["lfs"].is_object()) {
        f.lfs_sha256 = e["lfs"].value("oid", "");
        f.lfs_size = e["lfs"].value("size", f.size);
      }
      if (f.path.empty() || f.blob_id.empty()) continue;
      files.push_back(std::move(f));
    }
    url = NextLink(r.header("link"));
  }
  return files;
}

std::string HubApi::ResolveUrl(const std::string& repo_id, const std::string& commit,
                               const std::string& path) const {
  return s_.endpoint + "/" + repo_id + "/resolve/" + UrlQuote(commit, "") + "/" +
         UrlQuote(path, "/");
}

}  // namespace vllm::hub
