// GET /, /dashboard, /web/*: the embedded web UI (server/web_assets.h). The pages need no
// API key to load (they hold no data); every API call they make carries the key the user
// types, and is checked like any other client's.
#include "server/handlers.h"
#include "server/http_util.h"
#include "server/web_assets.h"

namespace vllm::server {

void HandleWebPage(ServerContext&, const Request& req, Response& res) {
  const WebAsset* asset = FindWebAsset(req.path);
  if (!asset) return ReplyError(res, api::NotFound("no page at " + req.path));
  res.status = 200;
  res.SetContent(std::string(asset->body), std::string(asset->content_type));
  res.SetHeader("Content-Security-Policy", std::string(kWebCsp));
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("X-Frame-Options", "DENY");
  res.SetHeader("Referrer-Policy", "no-referrer");
  res.SetHeader("Cross-Origin-Opener-Policy", "same-origin");
  // The files change only with the binary: revalidate each load rather than cache stale UI.
  res.SetHeader("Cache-Control", "no-cache");
}

}  // namespace vllm::server
