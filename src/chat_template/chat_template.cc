#include "chat_template/chat_template.h"

#include "chat_template/ast.h"
#include "chat_template/error.h"
#include "chat_template/interpreter.h"
#include "chat_template/parser.h"
#include "chat_template/value.h"

namespace vllm {

struct ChatTemplate::Parsed {
  jinja::Body body;
};

namespace {

// The single place where interpreter exceptions become a Status (see error.h).
Status ToStatus(const jinja::TemplateError& e, const char* phase) {
  std::string where;
  if (e.has_pos()) {
    where = " at line " + std::to_string(e.pos().line) + ", column " + std::to_string(e.pos().column);
  }
  if (dynamic_cast<const jinja::RaisedError*>(&e)) {
    return InvalidArgument("chat template raised an exception" + where + ": " + e.what());
  }
  if (dynamic_cast<const jinja::LimitError*>(&e)) {
    return ResourceExhausted(std::string("chat template ") + phase + " limit" + where + ": " + e.what());
  }
  return InvalidArgument(std::string("chat template ") + phase + " error" + where + ": " + e.what());
}

template <typename Json>
Result<std::string> RenderImpl(const jinja::Body& body, const Json& context, const ChatTemplateOptions& opts) {
  if (!context.is_object()) return InvalidArgument("chat template context must be a JSON object");
  try {
    jinja::Value ctx = jinja::FromJson(context);
    jinja::InterpreterLimits limits{opts.max_loop_iterations, opts.max_output_bytes, opts.max_call_depth, opts.now};
    return jinja::RenderTemplate(body, ctx.as_dict(), limits);
  } catch (const jinja::TemplateError& e) {
    return ToStatus(e, "render");
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("chat template render: out of memory");
  }
}

}  // namespace

ChatTemplate::ChatTemplate(std::unique_ptr<Parsed> parsed) : parsed_(std::move(parsed)) {}
ChatTemplate::ChatTemplate(ChatTemplate&&) noexcept = default;
ChatTemplate& ChatTemplate::operator=(ChatTemplate&&) noexcept = default;
ChatTemplate::~ChatTemplate() = default;

Result<ChatTemplate> ChatTemplate::Parse(const std::string& template_source) {
  try {
    auto parsed = std::make_unique<Parsed>();
    parsed->body = jinja::Parse(template_source);
    return ChatTemplate(std::move(parsed));
  } catch (const jinja::TemplateError& e) {
    return ToStatus(e, "syntax");
  }
}

Result<std::string> ChatTemplate::Render(const nlohmann::ordered_json& context, const ChatTemplateOptions& opts) const {
  return RenderImpl(parsed_->body, context, opts);
}

Result<std::string> ChatTemplate::Render(const nlohmann::json& context, const ChatTemplateOptions& opts) const {
  return RenderImpl(parsed_->body, context, opts);
}

Result<std::string> RenderChatTemplate(const std::string& template_source, const nlohmann::ordered_json& context,
                                       const ChatTemplateOptions& opts) {
  ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::Parse(template_source));
  return t.Render(context, opts);
}

Result<std::string> RenderChatTemplate(const std::string& template_source, const nlohmann::json& context,
                                       const ChatTemplateOptions& opts) {
  ASSIGN_OR_RETURN(ChatTemplate t, ChatTemplate::Parse(template_source));
  return t.Render(context, opts);
}

}  // namespace vllm
