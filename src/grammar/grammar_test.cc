// The grammar layer on the real Qwen3 vocabulary (151,936 logits, 151,669 tokens):
// token bytes agree with the tokenizer's decode, and random walks through the masks (each
// step a uniformly random allowed token, EOS only where offered) always end in text the
// constraint accepts: JSON that parses with the schema's shape, a full regex match, one of
// the choices. Bad specifications are InvalidArgument with llguidance's message.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <regex>

#include "api/structured_output_fields.h"
#include "api/tool_call_parser.h"
#include "grammar/grammar_compiler.h"
#include "grammar/grammar_matcher.h"
#include "grammar/grammar_vocab.h"
#include "sampler/allowed_mask.h"
#include "tokenizer/test_tokenizers.h"

namespace vllm {
namespace {

constexpr int64_t kQwen3Logits = 151936;

struct Qwen3 {
  std::unique_ptr<Tokenizer> tok;
  std::unique_ptr<GrammarVocab> vocab;
};

const Qwen3& Vocab() {
  static Qwen3* q = [] {
    auto* q = new Qwen3;
    auto t = Tokenizer::FromDirectory(testing::Qwen3Dir());
    CHECK(t.ok()) << t.status().message() << " (run scripts/setup.sh)";
    q->tok = std::move(t.value());
    auto v = GrammarVocab::Create(*q->tok, kQwen3Logits, q->tok->eos_ids());
    CHECK(v.ok()) << v.status().message();
    q->vocab = std::move(v.value());
    return q;
  }();
  return *q;
}

StructuredOutput Json(std::string schema) {
  return {.kind = StructuredOutput::Kind::kJsonSchema, .spec = std::move(schema), .choices = {}};
}

struct Walk {
  std::string text;
  bool ended = false;  // the grammar ended (EOS drawn, or only EOS left) within the step budget
  int steps = 0;
};

// Draws uniformly among allowed tokens; EOS is drawn only with the other tokens' odds.
Walk RandomWalk(const StructuredOutput& so, uint32_t seed, int max_steps = 200) {
  const Qwen3& q = Vocab();
  auto m = CompileGrammar(*q.vocab, so);
  EXPECT_TRUE(m.ok()) << m.status().message();
  std::mt19937 rng(seed);
  std::vector<uint32_t> mask(static_cast<size_t>(AllowedMaskWords(kQwen3Logits)));
  std::vector<int32_t> ids;
  Walk w;
  for (; w.steps < max_steps; ++w.steps) {
    EXPECT_TRUE((*m)->FillMask(mask).ok());
    if (MaskOnlyAllowsEos(mask, q.vocab->eos_ids())) {
      w.ended = true;
      break;
    }
    std::vector<int32_t> allowed;
    for (int64_t id = 0; id < kQwen3Logits; ++id)
      if (MaskAllows(mask.data(), id)) allowed.push_back(static_cast<int32_t>(id));
    EXPECT_FALSE(allowed.empty()) << "the grammar allows nothing after: " << w.text;
    if (allowed.empty()) break;
    const int32_t id = allowed[rng() % allowed.size()];
    EXPECT_LT(id, q.tok->vocab_size()) << "an id without a token was allowed";
    EXPECT_TRUE((*m)->Consume(id).ok());
    const bool eos = std::find(q.vocab->eos_ids().begin(), q.vocab->eos_ids().end(), id) != q.vocab->eos_ids().end();
    if (eos) {
      EXPECT_TRUE((*m)->IsStopped());
      w.ended = true;
      break;
    }
    ids.push_back(id);
    if ((*m)->IsStopped()) {
      w.ended = true;
      break;
    }
  }
  w.text = q.tok->Decode(ids);
  return w;
}

TEST(GrammarVocabTest, TokenBytesAgreeWithDecode) {
  const Qwen3& q = Vocab();
  const std::string text = "Hello, world! {\"a\": [1, 2.5e-3]} ünïcødé 日本語 <think>\n\t  ";
  auto ids = q.tok->Encode(text, false).value();
  std::string joined;
  for (int32_t id : ids) joined += GrammarTokenBytes(*q.tok, id);
  EXPECT_EQ(joined, text);
  // Every non-special token: its bytes are what Decode gives for it alone (where that is
  // valid UTF-8, i.e. not a partial character).
  int checked = 0;
  for (int32_t id = 0; id < q.tok->vocab_size(); id += 7) {
    if (q.tok->IsSpecial(id)) {
      EXPECT_EQ(GrammarTokenBytes(*q.tok, id)[0], '\xff');
      continue;
    }
    const std::string d = q.tok->Decode(std::vector<int32_t>{id});
    if (d.find("\xef\xbf\xbd") != std::string::npos) continue;  // U+FFFD: a partial character
    ASSERT_EQ(GrammarTokenBytes(*q.tok, id), d) << "id " << id;
    ++checked;
  }
  EXPECT_GT(checked, 15000);
  EXPECT_EQ(GrammarTokenBytes(*q.tok, 151900), "");  // past the tokenizer: no bytes
}

TEST(GrammarTest, JsonSchemaWalksParseWithTheSchemaShape) {
  const std::string schema = R"({"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 6},
      "age": {"type": "integer", "minimum": 0, "maximum": 120},
      "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 1, "maxItems": 3},
      "ok": {"type": "boolean"}},
    "required": ["name", "age", "tags", "ok"], "additionalProperties": false})";
  int ended = 0;
  for (uint32_t seed = 0; seed < 12; ++seed) {
    const Walk w = RandomWalk(Json(schema), seed);
    if (!w.ended) continue;
    ++ended;
    auto j = nlohmann::json::parse(w.text, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << w.text;
    ASSERT_TRUE(j.is_object()) << w.text;
    EXPECT_TRUE(j["name"].is_string() && j["name"].get<std::string>().size() <= 6 * 4) << w.text;
    EXPECT_TRUE(j["age"].is_number_integer() && j["age"] >= 0 && j["age"] <= 120) << w.text;
    EXPECT_TRUE(j["tags"].is_array() && !j["tags"].empty() && j["tags"].size() <= 3) << w.text;
    EXPECT_TRUE(j["ok"].is_boolean()) << w.text;
    EXPECT_EQ(j.size(), 4u) << w.text;
    EXPECT_TRUE(std::regex_search(w.text, std::regex(R"(^ ?\{ ?"name")"))) << "properties come in the schema's order: " << w.text;
  }
  EXPECT_GE(ended, 9) << "most walks should finish within 200 tokens";
}

TEST(GrammarTest, RegexAndChoiceWalks) {
  const std::string rx = "[a-c]{2,5}-[0-9]{3}(x|yz)?";
  for (uint32_t seed = 0; seed < 10; ++seed) {
    const Walk w = RandomWalk({.kind = StructuredOutput::Kind::kRegex, .spec = rx, .choices = {}}, seed);
    ASSERT_TRUE(w.ended);
    EXPECT_TRUE(std::regex_match(w.text, std::regex(rx))) << w.text;
  }
  const std::vector<std::string> choices = {"yes", "no", "maybe \"so\"", "日本"};
  for (uint32_t seed = 0; seed < 10; ++seed) {
    const Walk w = RandomWalk({.kind = StructuredOutput::Kind::kChoice, .spec = "", .choices = choices}, seed);
    ASSERT_TRUE(w.ended);
    EXPECT_NE(std::find(choices.begin(), choices.end(), w.text), choices.end()) << w.text;
  }
}

TEST(GrammarTest, LarkAndJsonObject) {
  const Walk w = RandomWalk({.kind = StructuredOutput::Kind::kLark,
                             .spec = "start: \"<\" num (\",\" num)* \">\"\nnum: /[0-9]{1,2}/", .choices = {}}, 3);
  ASSERT_TRUE(w.ended);
  EXPECT_TRUE(std::regex_match(w.text, std::regex("<[0-9]{1,2}(,[0-9]{1,2})*>"))) << w.text;
  int objects = 0;
  for (uint32_t seed = 0; seed < 6; ++seed) {
    const Walk o = RandomWalk({.kind = StructuredOutput::Kind::kJsonObject, .spec = "", .choices = {}}, seed, 60);
    if (!o.ended) continue;
    auto j = nlohmann::json::parse(o.text, nullptr, false);
    EXPECT_TRUE(j.is_object()) << o.text;
    ++objects;
  }
  EXPECT_GT(objects, 0);
}

// Forced tool calls: every walk that ends parses back as calls to the allowed tools, with
// arguments that satisfy the function's schema, in both syntaxes the parser reads.
TEST(GrammarTest, ToolCallWalksParseAsToolCalls) {
  const api::Json tools = api::Json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"enum": ["Paris", "Oslo"]},
      "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["city", "days"],
      "additionalProperties": false}}}, {"type": "function", "function": {"name": "ping"}}])");
  for (auto syntax : {api::ToolCallSyntax::kHermes, api::ToolCallSyntax::kJson}) {
    for (const char* name : {"get_weather", ""}) {
      auto so = api::ToolCallConstraint({.required = true, .function_name = name, .parallel = false}, tools, syntax);
      ASSERT_TRUE(so.ok()) << so.status().message();
      int parsed = 0;
      for (uint32_t seed = 0; seed < 6; ++seed) {
        const Walk w = RandomWalk(so.value(), seed, 120);
        if (!w.ended) continue;
        const api::ToolCallParse p = api::ParseToolCalls(w.text);
        ASSERT_EQ(p.calls.size(), 1u) << w.text;
        const auto args = nlohmann::json::parse(p.calls[0].arguments);
        if (p.calls[0].name == "get_weather") {
          EXPECT_TRUE(args["city"] == "Paris" || args["city"] == "Oslo") << w.text;
          EXPECT_TRUE(args["days"] >= 1 && args["days"] <= 7) << w.text;
        } else {
          EXPECT_EQ(std::string(name), "") << w.text;
          EXPECT_EQ(p.calls[0].name, "ping") << w.text;
        }
        ++parsed;
      }
      EXPECT_GE(parsed, 3) << "syntax " << static_cast<int>(syntax) << " name '" << name << "'";
    }
  }
}

TEST(GrammarTest, MaskOnlyAllowsEos) {
  std::vector<uint32_t> mask(4, 0u);
  EXPECT_FALSE(MaskOnlyAllowsEos(mask, std::vector<int32_t>{3}));  // nothing allowed
  mask[0] = 1u << 3;
  EXPECT_TRUE(MaskOnlyAllowsEos(mask, std::vector<int32_t>{3, 3, 70}));  // repeated ids count once
  mask[2] = 1u << 6;                                                     // id 70, another EOS
  EXPECT_TRUE(MaskOnlyAllowsEos(mask, std::vector<int32_t>{3, 70}));
  mask[1] = 1u;                                                          // id 32: not EOS
  EXPECT_FALSE(MaskOnlyAllowsEos(mask, std::vector<int32_t>{3, 70}));
}

TEST(GrammarTest, BadSpecificationsAreInvalidArgument) {
  const Qwen3& q = Vocab();
  auto expect_bad = [&](const StructuredOutput& so, const std::string& needle) {
    auto m = CompileGrammar(*q.vocab, so);
    ASSERT_FALSE(m.ok()) << so.spec;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(m.status().message().find(needle), std::string::npos) << m.status().message();
  };
  expect_bad(Json("{\"type\": "), "not valid JSON");
  expect_bad(Json(R"({"type": "strin"})"), "invalid json_schema");
  expect_bad(Json(R"({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}, "required": ["a"]})"),
             "invalid json_schema");
  expect_bad({.kind = StructuredOutput::Kind::kRegex, .spec = "(ab", .choices = {}}, "invalid regex");
  expect_bad({.kind = StructuredOutput::Kind::kLark, .spec = "start: foo", .choices = {}}, "invalid grammar");
  expect_bad(Json(std::string(300 << 10, ' ')), "over the limit");
}

}  // namespace
}  // namespace vllm
