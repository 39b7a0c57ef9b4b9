// Browser-origin safety for a server on a developer's machine. A web page the user visits
// can make the browser send requests to 127.0.0.1:8000; three checks keep it from driving
// the server (see router.cc for where each applies):
//   - Host: without an API key, only the bound address, localhost and loopback names are
//     served, so a DNS-rebinding page (evil.example resolving to 127.0.0.1) is refused.
//   - Origin: a request a browser sends from another site carries Origin; it is refused
//     unless --allowed-origins admits it (default: any origin when an API key is required,
//     as vLLM and llama.cpp's server allow, else only local origins). Preflights (OPTIONS)
//     are answered from the same list.
//   - Content-Type: POST bodies must be application/json, which a page cannot send without a
//     CORS preflight (text/plain "simple" requests would skip it).
#pragma once

#include <string>
#include <string_view>

#include "server/server_config.h"

namespace vllm::server {

// `host` is the Host header as sent ("127.0.0.1:8000", "[::1]:8000", "localhost").
bool HostAllowed(const ServerConfig& cfg, std::string_view host);

// `origin` is the Origin header ("http://localhost:3000").
bool OriginAllowed(const ServerConfig& cfg, std::string_view origin);

// The Origin names the host the request was sent to (`host`: its Host header): a request from
// a page this server served itself (the web UI opened at a LAN address). Only meaningful
// after HostAllowed passed, which is what keeps a rebinding page's name out.
bool SameOrigin(std::string_view origin, std::string_view host);

// application/json, with or without parameters (charset).
bool IsJsonContentType(std::string_view content_type);

}  // namespace vllm::server
