// Constrained and free sequences in one engine batch, on a random-weight model with the
// real Qwen3 vocabulary (151,936 logits): every constrained output satisfies its constraint
// (a random model can only do that if the mask is real), the grammar's end stops the
// sequence with "stop", and the free sequences produce exactly what they produce alone.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "engine/engine.h"
#include "model/model.h"
#include "tokenizer/test_tokenizers.h"

namespace vllm {
namespace {

std::unique_ptr<Model> QwenVocabModel() {
  auto cfg = ParseModelConfig(R"({"model_type": "qwen3", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "vocab_size": 151936, "rope_theta": 10000, "rms_norm_eps": 1e-6, "tie_word_embeddings": false,
    "max_position_embeddings": 4096, "torch_dtype": "float32", "eos_token_id": 151645})");
  EXPECT_TRUE(cfg.ok()) << cfg.status().message();
  auto m = CreateDummyModel(cfg.value(), {.max_num_tokens = 256, .num_threads = 2}, 7);
  EXPECT_TRUE(m.ok()) << m.status().message();
  return std::move(m.value());
}

struct Out {
  std::string text;
  std::vector<int32_t> ids;
  FinishReason reason = FinishReason::kNone;
};

std::vector<Out> RunRequests(Engine& e, const std::vector<EngineRequest>& reqs) {
  std::vector<std::shared_ptr<OutputStream>> streams;
  for (const auto& r : reqs) {
    auto s = e.Submit(r);
    EXPECT_TRUE(s.ok()) << s.status().message();
    streams.push_back(s.value());
  }
  std::vector<Out> out(reqs.size());
  auto drain = [&] {
    for (size_t i = 0; i < streams.size(); ++i)
      while (auto o = streams[i]->Pop(std::chrono::milliseconds(0))) {
        out[i].text += o->text_delta;
        out[i].ids.insert(out[i].ids.end(), o->new_token_ids.begin(), o->new_token_ids.end());
        if (o->finished) out[i].reason = o->finish_reason;
      }
  };
  while (e.Step()) drain();
  drain();
  return out;
}

EngineConfig Config() {
  return {.block_size = 16, .kv_cache_dtype = DType::kF32, .num_kv_blocks = 256, .enable_prefix_caching = true,
          .max_num_seqs = 16, .max_num_batched_tokens = 256, .max_model_len = 1024, .check_invariants = true};
}

TEST(StructuredOutputEngineTest, MixedBatchConstrainedAndFree) {
  auto tok = Tokenizer::FromDirectory(testing::Qwen3Dir());
  ASSERT_TRUE(tok.ok()) << tok.status().message() << " (run scripts/setup.sh)";
  std::shared_ptr<const Tokenizer> shared = std::move(tok.value());
  std::shared_ptr<Model> model = QwenVocabModel();
  const auto prompt = shared->Encode("Give me a record:").value();

  const std::string schema = R"({"type": "object", "properties": {
      "id": {"type": "integer", "minimum": 1, "maximum": 999},
      "kind": {"enum": ["cat", "dog"]},
      "xs": {"type": "array", "items": {"type": "boolean"}, "maxItems": 2}},
    "required": ["id", "kind", "xs"], "additionalProperties": false})";
  std::vector<EngineRequest> reqs;
  auto add = [&](const std::string& id, StructuredOutput so, float temperature, uint64_t seed) {
    EngineRequest r{.request_id = id, .prompt_token_ids = prompt};
    r.params.max_tokens = 48;
    r.params.temperature = temperature;
    r.params.seed = seed;
    r.params.structured = std::move(so);
    reqs.push_back(std::move(r));
  };
  for (int i = 0; i < 4; ++i) {
    add("json" + std::to_string(i), {.kind = StructuredOutput::Kind::kJsonSchema, .spec = schema, .choices = {}},
        i == 0 ? 0.0f : 1.0f, 100 + i);
    add("free" + std::to_string(i), {}, i == 0 ? 0.0f : 1.0f, 200 + i);
  }
  add("regex", {.kind = StructuredOutput::Kind::kRegex, .spec = "[0-9]{3}-[a-z]{2}", .choices = {}}, 1.0f, 7);
  add("choice", {.kind = StructuredOutput::Kind::kChoice, .spec = "", .choices = {"left", "right"}}, 1.0f, 8);

  Engine e(model, shared, Config());
  const std::vector<Out> out = RunRequests(e, reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const std::string& id = reqs[i].request_id;
    if (id.rfind("json", 0) == 0) {
      ASSERT_EQ(out[i].reason, FinishReason::kStop) << id << ": " << out[i].text;
      auto j = nlohmann::json::parse(out[i].text, nullptr, false);
      ASSERT_TRUE(j.is_object()) << out[i].text;
      EXPECT_TRUE(j["id"].is_number_integer() && j["id"] >= 1 && j["id"] <= 999) << out[i].text;
      EXPECT_TRUE(j["kind"] == "cat" || j["kind"] == "dog") << out[i].text;
      EXPECT_TRUE(j["xs"].is_array() && j["xs"].size() <= 2) << out[i].text;
    } else if (id == "regex") {
      EXPECT_EQ(out[i].reason, FinishReason::kStop);
      EXPECT_TRUE(std::regex_match(out[i].text, std::regex("[0-9]{3}-[a-z]{2}"))) << out[i].text;
    } else if (id == "choice") {
      EXPECT_EQ(out[i].reason, FinishReason::kStop);
      EXPECT_TRUE(out[i].text == "left" || out[i].text == "right") << out[i].text;
    }
  }
  // The free rows of the mixed batch equal the same requests run with no constrained company.
  for (size_t i = 0; i < reqs.size(); ++i) {
    if (reqs[i].request_id.rfind("free", 0) != 0) continue;
    Engine alone(model, shared, Config());
    const Out a = RunRequests(alone, {reqs[i]})[0];
    EXPECT_EQ(a.ids, out[i].ids) << reqs[i].request_id;
    EXPECT_EQ(a.reason, out[i].reason);
  }
  EXPECT_EQ(e.Stats().kv_blocks_used, 0);
}

TEST(StructuredOutputEngineTest, SiblingsAndBadGrammar) {
  auto tok = Tokenizer::FromDirectory(testing::Qwen3Dir());
  ASSERT_TRUE(tok.ok()) << tok.status().message();
  std::shared_ptr<const Tokenizer> shared = std::move(tok.value());
  Engine e(QwenVocabModel(), shared, Config());
  EngineRequest r{.request_id = "n3", .prompt_token_ids = shared->Encode("Pick:").value()};
  r.params.n = 3;
  r.params.max_tokens = 20;
  r.params.seed = 1;
  r.params.structured = {.kind = StructuredOutput::Kind::kRegex, .spec = "(ab|cd){2}!", .choices = {}};
  auto stream = e.Submit(r).value();
  std::vector<std::string> texts(3);
  std::vector<FinishReason> reasons(3);
  while (e.Step() || !stream->Done())
    while (auto o = stream->Pop(std::chrono::milliseconds(0))) {
      texts[o->index] += o->text_delta;
      if (o->finished) reasons[o->index] = o->finish_reason;
    }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reasons[i], FinishReason::kStop);
    EXPECT_TRUE(std::regex_match(texts[i], std::regex("(ab|cd){2}!"))) << texts[i];
  }
  // min_tokens masks EOS, so a complete grammar cannot end by EOS: it ends without one, and
  // never with a token the mask did not allow.
  EngineRequest m{.request_id = "min", .prompt_token_ids = shared->Encode("Pick:").value()};
  m.params.max_tokens = 20;
  m.params.min_tokens = 10;
  m.params.structured = {.kind = StructuredOutput::Kind::kChoice, .spec = "", .choices = {"ab"}};
  auto ms = e.Submit(m).value();
  std::string mtext;
  FinishReason mreason = FinishReason::kNone;
  while (e.Step() || !ms->Done())
    while (auto o = ms->Pop(std::chrono::milliseconds(0))) {
      mtext += o->text_delta;
      if (o->finished) mreason = o->finish_reason;
    }
  EXPECT_EQ(mtext, "ab");
  EXPECT_EQ(mreason, FinishReason::kStop);

  EngineRequest bad{.request_id = "bad", .prompt_token_ids = {1, 2, 3}};
  bad.params.structured = {.kind = StructuredOutput::Kind::kJsonSchema, .spec = R"({"type": 7})", .choices = {}};
  auto s = e.Submit(bad);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("invalid json_schema"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace vllm
