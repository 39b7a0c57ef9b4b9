// Python json.dumps, byte for byte, as transformers' `tojson` filter calls it:
//   json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
// (transformers replaces jinja2's HTML-escaping tojson with this; see
// transformers/utils/chat_template_utils.py). Defaults below are transformers' defaults.
#pragma once

#include <optional>
#include <string>

#include "chat_template/value.h"

namespace vllm::jinja {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  // None, or the per-level indent string (an int n in Python means n spaces).
  std::optional<std::string> indent;
  // Python picks (", ", ": ") without indent and (",", ": ") with one.
  std::optional<std::string> item_separator;
  std::optional<std::string> key_separator;
  bool sort_keys = false;
};

// Throws TemplateError for values json cannot serialize (Undefined, macros, namespaces).
std::string JsonDump(const Value& v, const JsonDumpOptions& opts);

}  // namespace vllm::jinja
