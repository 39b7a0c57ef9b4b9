// The router without HTTP: routing by "model", lazy loading, LRU eviction under a memory
// budget, and the single-model shortcut, over tiny random-weight engines.
#include "server/model_router.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

namespace vllm::server {
namespace {

Result<LoadedModel> TinyModel(int64_t memory_bytes) {
  auto cfg =
      ParseModelConfig(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 64,
    "max_position_embeddings": 128})");
  if (!cfg.ok()) return cfg.status();
  ASSIGN_OR_RETURN(std::unique_ptr<Model> model,
                   CreateDummyModel(cfg.value(), {.max_num_tokens = 16, .num_threads = 1}, 1));
  LoadedModel out;
  out.engine = std::make_unique<Engine>(
      std::move(model), nullptr, EngineConfig{.num_kv_blocks = 8, .max_num_batched_tokens = 16});
  out.memory_bytes = memory_bytes;
  return out;
}

// A handler that answers with the name of the context it ran on.
void EchoModel(ServerContext& ctx, const Request&, Response& res) {
  res.status = 200;
  res.body = ctx.config.served_model_name;
}

Request Post(const std::string& body) {
  Request r;
  r.method = "POST";
  r.path = "/v1/completions";
  r.body = body;
  return r;
}

nlohmann::json Models(ModelRouter& router) {
  Request r;
  r.method = "GET";
  r.path = "/v1/models";
  Response res;
  router.Serve(r, res, EchoModel);
  return nlohmann::json::parse(res.body);
}

std::string StateOf(ModelRouter& router, const std::string& name) {
  const nlohmann::json models =
      Models(router);  // kept: a range-for over a temporary's member dangles
  for (const auto& m : models["data"])
    if (m["id"] == name) return m["state"];
  return "?";
}

TEST(ModelRouter, RoutesByNameAndLoadsLazily) {
  ServerContext front;
  ModelRouter router(&front, {});
  std::atomic<int> loads{0};
  for (const char* name : {"a", "b"})
    ASSERT_TRUE(router
                    .Add(
                        name, 0,
                        [&] {
                          ++loads;
                          return TinyModel(1);
                        },
                        false)
                    .ok());
  EXPECT_EQ(loads, 0);
  Response res;
  router.Serve(Post(R"({"model": "b", "prompt": "x"})"), res, EchoModel);
  EXPECT_EQ(res.body, "b");
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(StateOf(router, "a"), "unloaded");
  EXPECT_EQ(StateOf(router, "b"), "loaded");
  Response missing;
  router.Serve(Post(R"({"model": "c"})"), missing, EchoModel);
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("this server serves 'a', 'b'"), std::string::npos) << missing.body;
  Response unnamed;
  router.Serve(Post(R"({"prompt": "x"})"), unnamed, EchoModel);
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_FALSE(router
                   .Add(
                       "a", 0, [] { return TinyModel(1); }, false)
                   .ok());  // names are unique
}

TEST(ModelRouter, BudgetEvictsTheLeastRecentlyUsed) {
  ServerContext front;
  ModelRouter router(&front, {.memory_budget_bytes = 250});
  for (const char* name : {"a", "b", "c"})
    ASSERT_TRUE(router
                    .Add(
                        name, 100, [] { return TinyModel(100); }, false)
                    .ok());
  EXPECT_FALSE(router
                   .Add(
                       "huge", 300, [] { return TinyModel(300); }, false)
                   .ok());
  for (const char* name : {"a", "b", "a", "c"}) {
    Response res;
    router.Serve(Post(std::string(R"({"model": ")") + name + "\"}"), res, EchoModel);
    EXPECT_EQ(res.body, name);
  }
  // Two fit; loading c evicted b (a was used more recently).
  EXPECT_EQ(StateOf(router, "a"), "loaded");
  EXPECT_EQ(StateOf(router, "b"), "unloaded");
  EXPECT_EQ(StateOf(router, "c"), "loaded");
}

TEST(ModelRouter, OneModelNeedsNoName) {
  ServerContext front;
  ModelRouter router(&front, {});
  ASSERT_TRUE(router
                  .Add(
                      "only", 0, [] { return TinyModel(1); }, true)
                  .ok());
  EXPECT_EQ(StateOf(router, "only"), "loaded");  // eager
  Response res;
  router.Serve(Post(R"({"prompt": "x"})"), res, EchoModel);
  EXPECT_EQ(res.body, "only");
  EXPECT_FALSE(ModelRouter(&front, {})
                   .Add(
                       "bad", 0, [] { return Result<LoadedModel>(NotFound("gone")); }, true)
                   .ok());
}

}  // namespace
}  // namespace vllm::server
