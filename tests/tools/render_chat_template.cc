// Test driver for tests/conformance/test_chat_template_*.py. Reads one JSON request on stdin:
//   {"template": "...", "context": {...}}            render with this exact context, or
//   {"template": "...", "inputs": {"messages": [...], "tools": [...] | null,
//     "add_generation_prompt": bool, "special_tokens": {...}, "extra_kwargs": {...}}}
//                                                    build the context as the server does
//                                                    (BuildChatTemplateContext), then render;
//   optional "now": unix seconds for strftime_now; "dump_context": true prints the context
//   JSON instead of rendering.
// Prints the rendering to stdout (nothing added), or the error to stderr with exit code 1.
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "chat_template/chat_context.h"
#include "chat_template/chat_template.h"

namespace {

using ojson = nlohmann::ordered_json;

vllm::Result<ojson> ContextFrom(const ojson& request) {
  if (!request.contains("inputs")) return request.value("context", ojson::object());
  const ojson& in = request["inputs"];
  vllm::ChatTemplateInputs inputs;
  inputs.messages = in.value("messages", ojson::array());
  inputs.tools = in.value("tools", ojson());
  inputs.add_generation_prompt = in.value("add_generation_prompt", false);
  inputs.special_tokens = in.value("special_tokens", ojson::object());
  inputs.extra_kwargs = in.value("extra_kwargs", ojson::object());
  return vllm::BuildChatTemplateContext(std::move(inputs));
}

}  // namespace

int main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  ojson request = ojson::parse(input, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object() || !request.contains("template") ||
      !request["template"].is_string()) {
    std::cerr << "render_chat_template: expected JSON {\"template\": str, \"context\"|\"inputs\": {...}}\n";
    return 2;
  }
  auto context = ContextFrom(request);
  if (!context.ok()) {
    std::cerr << context.status().message() << "\n";
    return 1;
  }
  if (request.value("dump_context", false)) {
    std::cout << context.value().dump();
    return 0;
  }
  vllm::ChatTemplateOptions opts;
  if (request.contains("now")) opts.now = request["now"].get<std::time_t>();
  auto result = vllm::RenderChatTemplate(request["template"].get<std::string>(), context.value(), opts);
  if (!result.ok()) {
    std::cerr << result.status().message() << "\n";
    return 1;
  }
  std::cout << result.value();
  return 0;
}
