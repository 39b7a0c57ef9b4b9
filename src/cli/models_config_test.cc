#include "cli/models_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace vllm::cli {
namespace {

std::string WriteTemp(const std::string& text) {
  char name[] = "/tmp/vllm_models_config_XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(name) << text;
  return name;
}

TEST(ModelsConfig, YamlAndJson) {
  const ModelSourceOptions defaults{.load_format = "auto", .offline = true};
  const std::string yaml = WriteTemp(
      "models:\n  - name: qwen\n    model: Qwen/Qwen3-0.6B\n    revision: dev\n  - model: "
      "/m/llama\n"
      "    load_format: dummy\n    offline: false\nidle_unload: 30\nmemory_budget: 6GiB\n");
  auto c = LoadModelsConfig(yaml, defaults);
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->models.size(), 2u);
  EXPECT_EQ(c->models[0].name, "qwen");
  EXPECT_EQ(c->models[0].model, "Qwen/Qwen3-0.6B");
  EXPECT_EQ(c->models[0].source.revision, "dev");
  EXPECT_TRUE(c->models[0].source.offline);  // from the command line's defaults
  EXPECT_EQ(c->models[1].name, "/m/llama");
  EXPECT_EQ(c->models[1].source.load_format, "dummy");
  EXPECT_FALSE(c->models[1].source.offline);
  EXPECT_EQ(c->idle_unload_s, 30.0);
  EXPECT_EQ(c->memory_budget, "6GiB");
  const std::string json = WriteTemp(R"({"models": [{"name": "a", "model": "o/a"}]})");
  auto j = LoadModelsConfig(json, defaults);
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ(j->models[0].model, "o/a");
  std::remove(yaml.c_str());
  std::remove(json.c_str());
}

TEST(ModelsConfig, ErrorsNameTheField) {
  auto check = [](const std::string& text, const std::string& want) {
    const std::string path = WriteTemp(text);
    auto c = LoadModelsConfig(path, {});
    std::remove(path.c_str());
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(want), std::string::npos) << c.status().message();
  };
  check("models: []\n", "non-empty list");
  check("models:\n  - name: a\n", "'model' is required");
  check("models:\n  - model: a/b\n    revison: x\n", "unknown field 'revison'");
  check("modles: []\n", "unknown field 'modles'");
  check("models: [\n", "not valid YAML");
  EXPECT_EQ(LoadModelsConfig("/nonexistent/models.yaml", {}).status().code(),
            StatusCode::kNotFound);
}

TEST(ModelsConfig, ModelFlag) {
  auto a = ParseModelFlag("qwen=Qwen/Qwen3-0.6B", {});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "qwen");
  EXPECT_EQ(a->model, "Qwen/Qwen3-0.6B");
  auto b = ParseModelFlag("/models/llama", {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->name, "/models/llama");
  EXPECT_FALSE(ParseModelFlag("=x", {}).ok());
  EXPECT_FALSE(ParseModelFlag("x=", {}).ok());
}

}  // namespace
}  // namespace vllm::cli
