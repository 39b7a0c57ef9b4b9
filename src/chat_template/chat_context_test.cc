#include "chat_template/chat_context.h"

#include <gtest/gtest.h>

namespace vllm {
namespace {

using ojson = nlohmann::ordered_json;

TEST(ChatContextTest, DropsNullKeysAndMirrorsReasoningLikeTransformers) {
  ChatTemplateInputs in;
  in.messages = ojson::parse(R"([
    {"role": "user", "content": "hi", "name": null},
    {"role": "assistant", "content": null, "tool_calls": [{"function": {"name": "f", "arguments": {}}}]},
    {"role": "assistant", "content": "4", "reasoning_content": "2+2"},
    {"role": "assistant", "content": "x", "reasoning": "r", "thinking": "t"}
  ])");
  in.add_generation_prompt = true;
  in.special_tokens = {{"eos_token", "<|im_end|>"}, {"bos_token", "<s>"}};
  in.extra_kwargs = {{"enable_thinking", false}, {"bos_token", "<override>"}};
  auto r = BuildChatTemplateContext(in);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const ojson& ctx = r.value();
  EXPECT_EQ(ctx["bos_token"], "<override>");  // kwargs win over special tokens
  EXPECT_EQ(ctx["eos_token"], "<|im_end|>");
  EXPECT_EQ(ctx["enable_thinking"], false);
  EXPECT_TRUE(ctx["tools"].is_null());
  EXPECT_TRUE(ctx.contains("documents") && ctx["documents"].is_null());
  EXPECT_EQ(ctx["add_generation_prompt"], true);
  const ojson& m = ctx["messages"];
  EXPECT_EQ(m[0].dump(), R"({"role":"user","content":"hi"})");
  EXPECT_EQ(m[1].dump(), R"({"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":{}}}]})");
  // {"thinking": r, **message, "reasoning_content": r}
  EXPECT_EQ(m[2].dump(), R"({"thinking":"2+2","role":"assistant","content":"4","reasoning_content":"2+2"})");
  // `thinking` wins the lookup order over `reasoning`; an existing key keeps its value, moves first.
  EXPECT_EQ(m[3].dump(), R"({"thinking":"t","role":"assistant","content":"x","reasoning":"r","reasoning_content":"t"})");
}

TEST(ChatContextTest, RejectsMalformedInputs) {
  ChatTemplateInputs in;
  in.messages = ojson::parse(R"([{"role": "user"}, "not an object"])");
  auto r = BuildChatTemplateContext(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("messages[1]"), std::string::npos);
  in.messages = ojson::object();
  EXPECT_FALSE(BuildChatTemplateContext(in).ok());
  in.messages = ojson::array();
  in.tools = "x";
  EXPECT_FALSE(BuildChatTemplateContext(in).ok());
}

}  // namespace
}  // namespace vllm
