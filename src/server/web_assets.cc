#include "server/web_assets.h"

#include <map>

namespace vllm::server {

std::string_view WebContentType(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

namespace {

// path -> asset, built once from the embedded table.
const std::map<std::string, WebAsset, std::less<>>& Assets() {
  static const auto* assets = [] {
    auto* m = new std::map<std::string, WebAsset, std::less<>>;
    for (size_t i = 0; i < kNumWebAssetFiles; ++i) {
      const WebAssetFile& f = kWebAssetFiles[i];
      const WebAsset a{f.body, WebContentType(f.name)};
      m->emplace(std::string("/web/") + f.name, a);
      if (std::string_view(f.name) == "index.html") m->emplace("/", a);
      if (std::string_view(f.name) == "dashboard.html") m->emplace("/dashboard", a);
    }
    return m;
  }();
  return *assets;
}

}  // namespace

const WebAsset* FindWebAsset(std::string_view path) {
  const auto& assets = Assets();
  auto it = assets.find(path);
  return it == assets.end() ? nullptr : &it->second;
}

}  // namespace vllm::server
