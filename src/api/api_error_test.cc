#include "api/api_error.h"

#include <gtest/gtest.h>

namespace vllm::api {
namespace {

TEST(ApiError, ClientErrorsKeepTheirMessage) {
  const ApiError e = FromStatus(InvalidArgument("'stop' has 3 entries"), "stop");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.message, "'stop' has 3 entries");
  EXPECT_EQ(FromStatus(ResourceExhausted("queue full")).http_status, 503);
}

TEST(ApiError, InternalDetailsNeverReachTheClient) {
  for (const Status& st :
       {Internal("pcre2 failed in /home/op/models/x/tokenizer.json"), DataLoss("/secret/path")}) {
    const ApiError e = FromStatus(st);
    EXPECT_EQ(e.http_status, 500);
    EXPECT_EQ(ToOpenAiJson(e).find("/"), std::string::npos) << ToOpenAiJson(e);
  }
}

}  // namespace
}  // namespace vllm::api
