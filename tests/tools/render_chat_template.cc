// Test driver for tests/conformance/test_chat_template_parity.py: reads
//   {"template": "...", "context": {...}, "now": <unix seconds, optional>}
// from stdin, prints the rendering to stdout (no trailing newline added), or the error to
// stderr with exit code 1.
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "chat_template/chat_template.h"

int main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  nlohmann::ordered_json request = nlohmann::ordered_json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded() || !request.is_object() || !request.contains("template") ||
      !request["template"].is_string()) {
    std::cerr << "render_chat_template: expected JSON {\"template\": str, \"context\": {...}}\n";
    return 2;
  }
  vllm::ChatTemplateOptions opts;
  if (request.contains("now")) opts.now = request["now"].get<std::time_t>();
  nlohmann::ordered_json context = request.value("context", nlohmann::ordered_json::object());
  auto result = vllm::RenderChatTemplate(request["template"].get<std::string>(), context, opts);
  if (!result.ok()) {
    std::cerr << result.status().message() << "\n";
    return 1;
  }
  std::cout << result.value();
  return 0;
}
