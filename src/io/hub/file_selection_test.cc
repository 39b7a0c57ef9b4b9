#include "io/hub/file_selection.h"

#include <gtest/gtest.h>

namespace vllm::hub {
namespace {

using Files = std::vector<std::string>;

TEST(FileSelection, SingleSafetensorsSkipsDocsAndBins) {
  const Files repo = {
      ".gitattributes",    "README.md",      "config.json",           "model.safetensors",
      "pytorch_model.bin", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
      "onnx/model.onnx"};
  auto s = SelectFiles("o/n", repo, {});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->files, (Files{"config.json", "generation_config.json", "model.safetensors",
                             "tokenizer.json", "tokenizer_config.json"}));
  EXPECT_EQ(s->gguf, "");
  auto t = SelectFiles("o/n", repo, {.set = FileSet::kTokenizer});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->files, (Files{"config.json", "generation_config.json", "tokenizer.json",
                             "tokenizer_config.json"}));
}

TEST(FileSelection, ShardsComeFromTheIndex) {
  const Files repo = {"config.json",
                      "model.safetensors.index.json",
                      "model-00001-of-00002.safetensors",
                      "model-00002-of-00002.safetensors",
                      "consolidated.safetensors",
                      "tokenizer.json"};
  auto s = SelectFiles("o/n", repo, {});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->needs_index);
  const std::string index =
      R"({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors",
                                "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}})";
  ASSERT_TRUE(AddIndexedShards(index, repo, &s.value()).ok());
  EXPECT_EQ(s->files, (Files{"config.json", "model-00001-of-00002.safetensors",
                             "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                             "tokenizer.json"}));
  Selection bad = s.value();
  EXPECT_EQ(AddIndexedShards(R"({"weight_map": {"a": "missing.safetensors"}})", repo, &bad).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AddIndexedShards("{}", repo, &bad).code(), StatusCode::kDataLoss);
}

TEST(FileSelection, GgufByQuantFileOrDefault) {
  const Files repo = {"README.md",
                      "m-Q4_K_M.gguf",
                      "m-Q4_K_M_L.gguf",
                      "m-Q8_0.gguf",
                      "mmproj-f16.gguf",
                      "BF16/m-BF16-00001-of-00002.gguf",
                      "BF16/m-BF16-00002-of-00002.gguf"};
  auto q = SelectFiles("o/n", repo, {.gguf_quant = "q8_0"});
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->files, (Files{"m-Q8_0.gguf"}));
  EXPECT_EQ(q->gguf, "m-Q8_0.gguf");
  auto d = SelectFiles("o/n", repo, {});  // several: Q4_K_M, a whole word (not Q4_K_M_L)
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->files, (Files{"m-Q4_K_M.gguf"}));
  auto split = SelectFiles("o/n", repo, {.gguf_quant = "BF16"});
  ASSERT_TRUE(split.ok()) << split.status().message();
  EXPECT_EQ(split->files,
            (Files{"BF16/m-BF16-00001-of-00002.gguf", "BF16/m-BF16-00002-of-00002.gguf"}));
  auto f = SelectFiles("o/n", repo, {.gguf_file = "m-Q4_K_M_L.gguf"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->files, (Files{"m-Q4_K_M_L.gguf"}));
  auto missing = SelectFiles("o/n", repo, {.gguf_quant = "Q2_K"});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("m-Q8_0.gguf"), std::string::npos)
      << missing.status().message();
  EXPECT_FALSE(SelectFiles("o/n", {"a-Q8_0.gguf", "b-Q8_0.gguf"}, {.gguf_quant = "Q8_0"})
                   .ok());                                                    // ambiguous
  EXPECT_FALSE(SelectFiles("o/n", {"a-Q8_0.gguf", "b-Q6_K.gguf"}, {}).ok());  // several, no Q4_K_M
}

TEST(FileSelection, ErrorsNameTheProblem) {
  auto bin = SelectFiles("o/n", {"config.json", "pytorch_model.bin"}, {});
  EXPECT_NE(bin.status().message().find("PyTorch .bin"), std::string::npos)
      << bin.status().message();
  auto nocfg = SelectFiles("o/n", {"model.safetensors"}, {});
  EXPECT_NE(nocfg.status().message().find("no config.json"), std::string::npos)
      << nocfg.status().message();
}

}  // namespace
}  // namespace vllm::hub
