// The few hub HTTP API routes a download needs, as huggingface_hub calls them:
//   GET  {endpoint}/api/models/{repo}/revision/{revision}       -> {"sha": commit, ...}
//   GET  {endpoint}/api/models/{repo}/tree/{commit}?recursive=true  (paged by Link: rel="next")
//   GET  {endpoint}/{repo}/resolve/{commit}/{path}               -> the file, or a redirect to it
// The token goes only to the endpoint's own origin, never to a redirect target elsewhere
// (a CDN). Errors are one line naming the repo and what to do (401 bad token, gated repo,
// missing repo/revision/file, hub unreachable). API calls retry with back-off on transport
// errors, 429 and 5xx.
#pragma once

#include <string>
#include <vector>

#include "io/hub/http_client.h"
#include "io/hub/hub_settings.h"
#include "io/hub/repo_file.h"
#include "util/status.h"

namespace vllm::hub {

// Why a hub call failed; kUnreachable (transport, 5xx, 429 after retries) lets the caller
// fall back to the cache as huggingface_hub does, the others are final.
enum class HubErrorKind { kNone, kUnreachable, kAuth, kNotFound, kOther };

struct HubError {
  HubErrorKind kind = HubErrorKind::kNone;
  Status status;
};

class HubApi {
 public:
  explicit HubApi(HubSettings settings) : s_(std::move(settings)) {}

  // The commit a revision (branch, tag, commit) names now.
  Result<std::string> ResolveCommit(const std::string& repo_id, const std::string& revision,
                                    HubError* err);
  // Every file of the repo at `commit`, with sizes and checksums.
  Result<std::vector<RepoFile>> ListFiles(const std::string& repo_id, const std::string& commit,
                                          HubError* err);
  std::string ResolveUrl(const std::string& repo_id, const std::string& commit,
                         const std::string& path) const;

  // Request headers for `url`: the token only where the endpoint is the origin.
  std::vector<std::string> HeadersFor(const std::string& url) const;
  // One line for a failed hub response (status, X-Error-Code, X-Error-Message).
  HubError Classify(const HttpResponse& r, const std::string& repo_id,
                    const std::string& what) const;
  const HubSettings& settings() const { return s_; }

 private:
  // GET with retries; a non-2xx final answer is classified into *err.
  Result<HttpResponse> GetJson(const std::string& url, const std::string& repo_id,
                               const std::string& what, HubError* err);
  HubSettings s_;
};

// Sleeps before retry `attempt` (0-based): 0.5 s doubling to 8 s, or the server's Retry-After.
void BackOff(int attempt, const std::string& retry_after = "");

}  // namespace vllm::hub
