// The web UI's files (web/ in the source tree), embedded in the binary at build time by
// cmake/embed_web.cmake, and the lookup the page routes use:
//
//   GET /            -> index.html      (chat)
//   GET /dashboard   -> dashboard.html  (live engine figures from /v1/status)
//   GET /web/NAME    -> NAME            (scripts, stylesheet)
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace vllm::server {

struct WebAssetFile {
  const char* name;  // file name under web/, e.g. "chat.js"
  const char* body;
};
extern const WebAssetFile kWebAssetFiles[];
extern const size_t kNumWebAssetFiles;

struct WebAsset {
  std::string_view body;
  std::string_view content_type;
};

// The asset a request path names, or nullptr. Only the names embedded are served: there is
// no file system access, so no path can escape web/.
const WebAsset* FindWebAsset(std::string_view path);

// "text/html; charset=utf-8" etc. from the file name's extension.
std::string_view WebContentType(std::string_view name);

// The Content-Security-Policy every page answer carries: scripts, styles and connections
// from this origin only, no inline script, no framing.
inline constexpr std::string_view kWebCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

}  // namespace vllm::server
