// POST /v1/embeddings request (OpenAI's shape): `input` a string, a list of strings, a list of
// token ids or a list of token-id lists; `encoding_format` float | base64; `dimensions`
// (Matryoshka truncation, then re-normalized); vLLM's `normalize` (default true).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/json_fields.h"
#include "api/request_limits.h"

namespace vllm::api {

struct EmbeddingRequest {
  std::string model;
  std::vector<std::variant<std::string, std::vector<int32_t>>> inputs;  // one vector each
  bool base64 = false;
  std::optional<int32_t> dimensions;
  bool normalize = true;
};

// Most inputs in one request: each is a sequence in the engine.
inline constexpr int32_t kMaxEmbeddingInputs = 2048;

Result<EmbeddingRequest> ParseEmbeddingRequest(const Json& body);

// The pooled vector as returned: the first `dimensions` values (all when unset), L2-normalized
// when `normalize` (a zero vector stays zero).
std::vector<float> FinishEmbedding(std::vector<float> pooled, std::optional<int32_t> dimensions,
                                   bool normalize);

// {"object": "list", "data": [{"object": "embedding", "index", "embedding"}], "model", "usage"}
// with each embedding a JSON array of floats, or base64 of its little-endian float32 bytes.
std::string EmbeddingBody(const std::string& model, const std::vector<std::vector<float>>& vectors,
                          bool base64, int64_t prompt_tokens);

}  // namespace vllm::api
