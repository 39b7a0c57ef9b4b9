// The fixed prompt texts of the benchmarks (issue #6), so that runs on different machines and
// builds process the same tokens. Prompts are token ids: the benchmarks that need an exact
// length (prefix cache, paged cache) cut a tokenized text to that many tokens.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace vllm::bench {

// The `bench` prompt set, cycled: short (~7 tokens), medium (~20), long (~60).
const std::vector<std::string>& BuiltinPrompts();
// Name of BuiltinPrompts()[i % size]: "short", "medium", "long".
const char* BuiltinPromptKind(size_t i);

// BuiltinPrompts()[i % size] encoded with the model's tokenizer (special tokens as the
// tokenizer adds them, e.g. Llama's BOS).
Result<std::vector<int32_t>> EncodeBuiltinPrompt(const Tokenizer& tok, size_t i);

// Exactly `num_tokens` tokens of an assistant-style system prompt (a fixed text, repeated as
// needed and cut to length; no special tokens).
Result<std::vector<int32_t>> SystemPromptTokens(const Tokenizer& tok, int64_t num_tokens);

// Exactly `num_tokens` tokens of user question `index`: distinct indices below 24 give token
// sequences that differ from their first token on, so no two share a cached block even when
// they start mid-block; beyond 24 they still differ within the first few tokens.
Result<std::vector<int32_t>> QuestionTokens(const Tokenizer& tok, int64_t index, int64_t num_tokens);

// a followed by b.
std::vector<int32_t> Concat(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

}  // namespace vllm::bench
