#include "bench/server_url.h"

#include <gtest/gtest.h>

namespace vllm::bench {
namespace {

TEST(ServerUrl, RootAndApiBaseAddressTheSameRoutes) {
  for (const char* s : {"http://127.0.0.1:8000", "http://127.0.0.1:8000/", "http://127.0.0.1:8000/v1",
                        "http://127.0.0.1:8000/v1/"}) {
    auto u = ParseServerUrl(s);
    ASSERT_TRUE(u.ok()) << s << ": " << u.status().message();
    EXPECT_EQ(u.value().host, "127.0.0.1");
    EXPECT_EQ(u.value().port, 8000);
    EXPECT_EQ(u.value().Path("/v1/models"), "/v1/models") << s;
  }
}

TEST(ServerUrl, DefaultPortAndPrefix) {
  auto u = ParseServerUrl("http://gateway/llm/v1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value().port, 80);
  EXPECT_EQ(u.value().Path("/metrics"), "/llm/metrics");
  EXPECT_EQ(u.value().ToString(), "http://gateway:80/llm");
}

TEST(ServerUrl, BadUrlsNameTheProblem) {
  const std::pair<const char*, const char*> cases[] = {
      {"localhost:8000", "expected http://"},   {"https://x:1", "https"},
      {"http://:8000", "no host"},              {"http://x:0", "port"},
      {"http://x:99999", "port"},               {"http://x:8a", "port"},
      {"http://x:", "port"},                    {"http://x/v1?a=b", "query"},
  };
  for (const auto& [url, why] : cases) {
    auto u = ParseServerUrl(url);
    ASSERT_FALSE(u.ok()) << url;
    EXPECT_NE(u.status().message().find(why), std::string::npos) << url << ": " << u.status().message();
  }
}

}  // namespace
}  // namespace vllm::bench
