#include "server/origin_policy.h"

#include <gtest/gtest.h>

namespace vllm::server {
namespace {

ServerConfig Local(std::string api_key = "", std::string origins = "") {
  ServerConfig c;
  c.host = "127.0.0.1";
  c.api_key = std::move(api_key);
  c.allowed_origins = std::move(origins);
  return c;
}

TEST(HostAllowed, WithoutAKeyOnlyTheBoundAddressAndLoopbackNames) {
  const ServerConfig c = Local();
  for (const char* h :
       {"127.0.0.1:8000", "localhost:8000", "LOCALHOST", "[::1]:8000", "127.0.0.2", ""})
    EXPECT_TRUE(HostAllowed(c, h)) << h;
  for (const char* h :
       {"evil.example:8000", "evil.example", "10.0.0.5:8000", "localhost.evil.example"})
    EXPECT_FALSE(HostAllowed(c, h)) << h;
}

TEST(HostAllowed, AKeyAllowsAnyHost) { EXPECT_TRUE(HostAllowed(Local("k"), "evil.example")); }

TEST(HostAllowed, WildcardBindAllowsIpLiteralsButNotNames) {
  ServerConfig c = Local();
  c.host = "0.0.0.0";
  EXPECT_TRUE(HostAllowed(c, "192.0.2.7:8000"));
  EXPECT_TRUE(HostAllowed(c, "[2001:db8::1]:8000"));
  EXPECT_FALSE(HostAllowed(c, "rebind.example:8000"));
}

TEST(OriginAllowed, DefaultIsLocalWithoutAKeyAndAnyWithOne) {
  EXPECT_TRUE(OriginAllowed(Local(), "http://localhost:3000"));
  EXPECT_TRUE(OriginAllowed(Local(), "http://127.0.0.1:8000"));
  EXPECT_FALSE(OriginAllowed(Local(), "https://evil.example"));
  EXPECT_FALSE(OriginAllowed(Local(), "null"));
  EXPECT_TRUE(OriginAllowed(Local("k"), "https://evil.example"));
}

TEST(OriginAllowed, ExplicitList) {
  const ServerConfig c = Local("", "https://app.example, http://localhost:5173");
  EXPECT_TRUE(OriginAllowed(c, "https://app.example"));
  EXPECT_TRUE(OriginAllowed(c, "http://localhost:5173"));
  EXPECT_FALSE(OriginAllowed(c, "http://localhost:3000"));
  EXPECT_TRUE(OriginAllowed(Local("", "*"), "https://anything.example"));
}

TEST(IsJsonContentType, WithParametersAndCase) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON; charset=utf-8"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
}

}  // namespace
}  // namespace vllm::server

namespace vllm::server {
namespace {

TEST(SameOrigin, TheOriginNamesTheHostTheRequestWentTo) {
  EXPECT_TRUE(SameOrigin("http://192.168.1.5:8000", "192.168.1.5:8000"));
  EXPECT_TRUE(SameOrigin("https://Box.Local:8443", "box.local:8443"));
  EXPECT_TRUE(SameOrigin("http://[::1]:8000", "[::1]:8000"));
  EXPECT_FALSE(SameOrigin("http://192.168.1.5:9000", "192.168.1.5:8000"));  // another port
  EXPECT_FALSE(SameOrigin("http://evil.example", "192.168.1.5:8000"));
  EXPECT_FALSE(SameOrigin("null", "null"));             // opaque origins are never same-origin
  EXPECT_FALSE(SameOrigin("file://x", "x"));
  EXPECT_FALSE(SameOrigin("http://a:1", ""));
}

}  // namespace
}  // namespace vllm::server
