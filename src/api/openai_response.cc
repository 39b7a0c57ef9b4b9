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

Json EchoLogprobsJson(const std::vector<TokenLogprob>& prompt, int32_t top_n,
                      const std::vector<TokenLogprob>& lps, const Tokenizer& tok) {
  Json tokens = Json::array(), token_lps = Json::array(), tops = Json::array(), offsets = Json::array();
  size_t offset = 0;
  for (size_t i = 0; i < prompt.size(); ++i) {
    const TokenLogprob& lp = prompt[i];
    const std::string text = TokenText(tok, lp.token_id);
    tokens.push_back(text);
    offsets.push_back(offset);
    offset += Utf8Length(text);
    if (i == 0) {
      token_lps.push_back(nullptr);
      tops.push_back(nullptr);
      continue;
    }
    token_lps.push_back(FiniteLogprob(lp.logprob));
    Json top = Json::object();
    for (size_t k = 0; k < lp.top.size() && k < static_cast<size_t>(top_n); ++k)
      top[TokenText(tok, lp.top[k].first)] = FiniteLogprob(lp.top[k].second);
    top[text] = FiniteLogprob(lp.logprob);
    tops.push_back(std::move(top));
  }
  const Json gen = CompletionLogprobsJson(lps, tok, offset);
  for (const Json& v : gen.at("tokens")) tokens.push_back(v);
  for (const Json& v : gen.at("token_logprobs")) token_lps.push_back(v);
  for (const Json& v : gen.at("top_logprobs")) tops.push_back(v);
  for (const Json& v : gen.at("text_offset")) offsets.push_back(v);
  return Json{{"tokens", std::move(tokens)}, {"token_logprobs", std::move(token_lps)},
              {"top_logprobs", std::move(tops)}, {"text_offset", std::move(offsets)}};
}

Json PromptLogprobsJson(const std::vector<TokenLogprob>& prompt, int32_t top_n, const Tokenizer& tok) {
  Json out = Json::array();
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (i == 0) {
      out.push_back(nullptr);
      continue;
    }
    const TokenLogprob& lp = prompt[i];
    Json d = Json::object();
    d[std::to_string(lp.token_id)] = {{"logprob", FiniteLogprob(lp.logprob)}, {"rank", lp.rank},
                                      {"decoded_token", TokenText(tok, lp.token_id)}};
    for (size_t k = 0; k < lp.top.size() && k < static_cast<size_t>(top_n); ++k) {
      const std::string id = std::to_string(lp.top[k].first);
      if (d.contains(id)) continue;
      d[id] = {{"logprob", FiniteLogprob(lp.top[k].second)}, {"rank", k + 1},
               {"decoded_token", TokenText(tok, lp.top[k].first)}};
    }
    out.push_back(std::move(d));
  }
  return out;
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
  Json body = {{"id", h.id}, {"object", "chat.completion"}, {"created", h.created}, {"model", h.model},
               {"choices", std::move(out_choices)}, {"usage", UsageJson(usage)}};
  // vLLM puts a chat request's prompt_logprobs beside the choices (one prompt for all).
  if (!choices.empty() && choices[0].prompt_logprobs_n >= 0)
    body["prompt_logprobs"] = PromptLogprobsJson(choices[0].prompt_logprobs, choices[0].prompt_logprobs_n, tok);
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
    Json lps = nullptr;
    if (c.echo_logprobs >= 0) {
      lps = EchoLogprobsJson(c.prompt_logprobs, c.echo_logprobs, c.logprobs, tok);
    } else if (c.want_logprobs) {
      lps = CompletionLogprobsJson(c.logprobs, tok, Utf8Length(prefix));
    }
    Json choice = {{"index", c.index}, {"text", prefix + c.message.content}, {"logprobs", std::move(lps)},
                   {"finish_reason", NullIfEmpty(c.finish_reason)}};
    if (c.prompt_logprobs_n >= 0) choice["prompt_logprobs"] = PromptLogprobsJson(c.prompt_logprobs, c.prompt_logprobs_n, tok);
    out_choices.push_back(std::move(choice));
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
