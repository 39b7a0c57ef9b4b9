#include "api/openai_response.h"

#include <cmath>

namespace vllm::api {

namespace {

Json NullIfEmpty(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

// -inf logprobs (masked tokens) have no JSON spelling; OpenAI clients expect a number.
double FiniteLogprob(float lp) { return std::isfinite(lp) ? lp : -9999.0; }

std::string TokenText(const Tokenizer& tok, int32_t id) {
  const int32_t one[1] = {id};
  return tok.Decode(one, /*skip_special_tokens=*/false);
}

Json TokenBytes(const Tokenizer& tok, int32_t id) {
  const std::string* raw = tok.ByteLevelBytes(id);
  const std::string text = raw ? *raw : TokenText(tok, id);
  Json bytes = Json::array();
  for (unsigned char c : text) bytes.push_back(static_cast<int>(c));
  return bytes;
}

}  // namespace

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;  // count every byte but continuation bytes
  return n;
}

Json UsageJson(const Usage& u) {
  return Json{{"prompt_tokens", u.prompt_tokens},
              {"completion_tokens", u.completion_tokens},
              {"total_tokens", u.prompt_tokens + u.completion_tokens},
              {"prompt_tokens_details", {{"cached_tokens", u.cached_prompt_tokens}}}};
}

Json ToolCallsJson(const std::vector<ToolCall>& calls, bool with_index) {
  Json out = Json::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    Json c = Json::object();
    if (with_index) c["index"] = i;
    c["id"] = calls[i].id;
    c["type"] = "function";
    c["function"] = {{"name", calls[i].name}, {"arguments", calls[i].arguments}};
    out.push_back(std::move(c));
  }
  return out;
}

Json ChatLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok) {
  Json content = Json::array();
  for (const TokenLogprob& lp : lps) {
    Json top = Json::array();
    for (const auto& [id, v] : lp.top)
      top.push_back({{"token", TokenText(tok, id)}, {"logprob", FiniteLogprob(v)}, {"bytes", TokenBytes(tok, id)}});
    content.push_back({{"token", TokenText(tok, lp.token_id)},
                       {"logprob", FiniteLogprob(lp.logprob)},
                       {"bytes", TokenBytes(tok, lp.token_id)},
                       {"top_logprobs", std::move(top)}});
  }
  return Json{{"content", std::move(content)}, {"refusal", nullptr}};
}

Json CompletionLogprobsJson(const std::vector<TokenLogprob>& lps, const Tokenizer& tok, size_t text_offset0) {
  Json tokens = Json::array(), token_lps = Json::array(), tops = Json::array(), offsets = Json::array();
  size_t offset = text_offset0;
  for (const TokenLogprob& lp : lps) {
    const std::string text = TokenText(tok, lp.token_id);
    tokens.push_back(text);
    token_lps.push_back(FiniteLogprob(lp.logprob));
    Json top = Json::object();
    for (const auto& [id, v] : lp.top) top[TokenText(tok, id)] = FiniteLogprob(v);
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += Utf8Length(text);
  }
  return Json{{"tokens", std::move(tokens)}, {"token_logprobs", std::move(token_lps)},
              {"top_logprobs", std::move(tops)}, {"text_offset", std::move(offsets)}};
}

std::string ChatCompletionBody(const ResponseHeader& h, const std::vector<FinishedChoice>& choices,
                               const Usage& usage, const Tokenizer& tok) {
  Json out_choices = Json::array();
  for (const FinishedChoice& c : choices) {
    Json msg = {{"role", "assistant"}};
    const bool calls = !c.message.tool_calls.empty();
    msg["content"] = calls && c.message.content.empty() ? Json(nullptr) : Json(c.message.content);
    if (!c.message.reasoning.empty()) msg["reasoning_content"] = c.message.reasoning;
    msg["refusal"] = nullptr;
    // OpenAI omits the key when the model called no tool (and SDKs that echo the message
    // back into the next request would otherwise send an empty list).
    if (calls) msg["tool_calls"] = ToolCallsJson(c.message.tool_calls, false);
    out_choices.push_back({{"index", c.index},
                           {"message", std::move(msg)},
                           {"logprobs", c.want_logprobs ? ChatLogprobsJson(c.logprobs, tok) : Json(nullptr)},
                           {"finish_reason", NullIfEmpty(c.finish_reason)}});
  }
  const Json body = {{"id", h.id}, {"object", "chat.completion"}, {"created", h.created}, {"model", h.model},
                     {"choices", std::move(out_choices)}, {"usage", UsageJson(usage)}};
  return Dump(body);
}

std::string ChatChunkBody(const ResponseHeader& h, int32_t index, const Json& delta,
                          const std::string& finish_reason, const Json& logprobs) {
  const Json body = {{"id", h.id}, {"object", "chat.completion.chunk"}, {"created", h.created}, {"model", h.model},
                     {"choices", Json::array({{{"index", index}, {"delta", delta}, {"logprobs", logprobs},
                                               {"finish_reason", NullIfEmpty(finish_reason)}}})}};
  return Dump(body);
}

std::string UsageChunkBody(const ResponseHeader& h, const char* object, const Usage& usage) {
  const Json body = {{"id", h.id}, {"object", object}, {"created", h.created}, {"model", h.model},
                     {"choices", Json::array()}, {"usage", UsageJson(usage)}};
  return Dump(body);
}

std::string CompletionBody(const ResponseHeader& h, const std::vector<FinishedChoice>& choices,
                           const std::vector<std::string>& echo_prefix, const Usage& usage, const Tokenizer& tok) {
  Json out_choices = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const FinishedChoice& c = choices[i];
    const std::string& prefix = i < echo_prefix.size() ? echo_prefix[i] : std::string();
    out_choices.push_back({{"index", c.index},
                           {"text", prefix + c.message.content},
                           {"logprobs", c.want_logprobs ? CompletionLogprobsJson(c.logprobs, tok, Utf8Length(prefix)) : Json(nullptr)},
                           {"finish_reason", NullIfEmpty(c.finish_reason)}});
  }
  const Json body = {{"id", h.id}, {"object", "text_completion"}, {"created", h.created}, {"model", h.model},
                     {"choices", std::move(out_choices)}, {"usage", UsageJson(usage)}};
  return Dump(body);
}

std::string CompletionChunkBody(const ResponseHeader& h, int32_t index, const std::string& text,
                                const std::string& finish_reason, const Json& logprobs) {
  const Json body = {{"id", h.id}, {"object", "text_completion"}, {"created", h.created}, {"model", h.model},
                     {"choices", Json::array({{{"index", index}, {"text", text}, {"logprobs", logprobs},
                                               {"finish_reason", NullIfEmpty(finish_reason)}}})}};
  return Dump(body);
}

std::string OpenAiFinishReason(FinishReason r, bool has_tool_calls) {
  if (has_tool_calls && r != FinishReason::kAbort) return "tool_calls";
  return FinishReasonName(r);
}

}  // namespace vllm::api
