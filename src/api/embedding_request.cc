#include "api/embedding_request.h"

#include <cmath>
#include <cstring>

namespace vllm::api {

namespace {

Result<std::vector<int32_t>> TokenIds(const Json& v) {
  std::vector<int32_t> ids;
  for (const Json& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() < 0 || x.get<int64_t>() > INT32_MAX)
      return InvalidArgument("'input' token ids must be non-negative integers");
    ids.push_back(static_cast<int32_t>(x.get<int64_t>()));
  }
  if (ids.empty()) return InvalidArgument("'input' must not contain an empty list");
  return ids;
}

Status ReadInputs(const Json& body, EmbeddingRequest* r) {
  if (!Has(body, "input")) return InvalidArgument("'input' is required");
  const Json& in = body.at("input");
  const Status bad = InvalidArgument(
      "'input' must be a string, a list of strings, a list of token ids or a list of token-id "
      "lists");
  if (in.is_string()) {
    r->inputs.emplace_back(in.get<std::string>());
  } else if (in.is_array() && !in.empty() && in[0].is_number_integer()) {
    ASSIGN_OR_RETURN(auto ids, TokenIds(in));
    r->inputs.emplace_back(std::move(ids));
  } else if (in.is_array()) {
    if (in.empty()) return InvalidArgument("'input' must not be empty");
    if (in.size() > static_cast<size_t>(kMaxEmbeddingInputs))
      return InvalidArgument("'input' has " + std::to_string(in.size()) +
                             " items, over this server's limit of " +
                             std::to_string(kMaxEmbeddingInputs));
    for (const Json& item : in) {
      if (item.is_string()) {
        r->inputs.emplace_back(item.get<std::string>());
      } else if (item.is_array()) {
        ASSIGN_OR_RETURN(auto ids, TokenIds(item));
        r->inputs.emplace_back(std::move(ids));
      } else {
        return bad;
      }
    }
  } else {
    return bad;
  }
  for (const auto& x : r->inputs)
    if (std::holds_alternative<std::string>(x) && std::get<std::string>(x).empty())
      return InvalidArgument("'input' must not contain an empty string");
  return Status::Ok();
}

// RFC 4648 base64 of raw bytes.
std::string Base64(const unsigned char* data, size_t n) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b0 = data[i], b1 = i + 1 < n ? data[i + 1] : 0, b2 = i + 2 < n ? data[i + 2] : 0;
    const uint32_t v = (b0 << 16) | (b1 << 8) | b2;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < n ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back(i + 2 < n ? kAlphabet[v & 63] : '=');
  }
  return out;
}

}  // namespace

Result<EmbeddingRequest> ParseEmbeddingRequest(const Json& body) {
  EmbeddingRequest r;
  RETURN_IF_ERROR(ReadString(body, "model", &r.model));
  RETURN_IF_ERROR(ReadInputs(body, &r));
  std::string format = "float";
  RETURN_IF_ERROR(ReadString(body, "encoding_format", &format));
  if (format != "float" && format != "base64")
    return InvalidArgument("'encoding_format' must be 'float' or 'base64'");
  r.base64 = format == "base64";
  if (Has(body, "dimensions") && !body.at("dimensions").is_null()) {
    RETURN_IF_ERROR(ReadInt(body, "dimensions", &r.dimensions));
    if (*r.dimensions < 1) return InvalidArgument("'dimensions' must be at least 1");
  }
  RETURN_IF_ERROR(ReadBool(body, "normalize", &r.normalize));
  std::string user;
  RETURN_IF_ERROR(ReadString(body, "user", &user));
  return r;
}

std::vector<float> FinishEmbedding(std::vector<float> v, std::optional<int32_t> dimensions,
                                   bool normalize) {
  if (dimensions && static_cast<size_t>(*dimensions) < v.size())
    v.resize(static_cast<size_t>(*dimensions));
  if (normalize) {
    double sum = 0;
    for (float x : v) sum += static_cast<double>(x) * x;
    if (sum > 0) {
      const double inv = 1.0 / std::sqrt(sum);
      for (float& x : v) x = static_cast<float>(x * inv);
    }
  }
  return v;
}

std::string EmbeddingBody(const std::string& model, const std::vector<std::vector<float>>& vectors,
                          bool base64, int64_t prompt_tokens) {
  Json data = Json::array();
  for (size_t i = 0; i < vectors.size(); ++i) {
    Json e = vectors[i];
    if (base64) {
      static_assert(sizeof(float) == 4);
      e = Base64(reinterpret_cast<const unsigned char*>(vectors[i].data()),
                 vectors[i].size() * sizeof(float));
    }
    data.push_back(Json{{"object", "embedding"}, {"index", i}, {"embedding", std::move(e)}});
  }
  return Dump(Json{{"object", "list"},
                   {"data", std::move(data)},
                   {"model", model},
                   {"usage", {{"prompt_tokens", prompt_tokens}, {"total_tokens", prompt_tokens}}}});
}

}  // namespace vllm::api
