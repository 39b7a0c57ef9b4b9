#include "bench/response_format_arg.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace vllm::bench {

Result<ResponseFormatArg> ParseResponseFormatArg(const std::vector<std::string>& args) {
  const std::string usage = "--response-format: expected 'json-object' or 'json-schema FILE'";
  if (args.size() == 1 && (args[0] == "json-object" || args[0] == "json_object"))
    return ResponseFormatArg{.json = R"({"type":"json_object"})", .label = "json_object"};
  if (args.size() != 2 || (args[0] != "json-schema" && args[0] != "json_schema"))
    return InvalidArgument(usage);
  std::ifstream f(args[1]);
  if (!f) return InvalidArgument("--response-format: cannot read schema file '" + args[1] + "'");
  std::stringstream text;
  text << f.rdbuf();
  nlohmann::json schema = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (schema.is_discarded() || !(schema.is_object() || schema.is_boolean()))
    return InvalidArgument("--response-format: '" + args[1] +
                           "' is not a JSON schema (a JSON object)");
  nlohmann::json rf = {
      {"type", "json_schema"},
      {"json_schema", {{"name", "bench"}, {"schema", std::move(schema)}, {"strict", true}}}};
  return ResponseFormatArg{.json = rf.dump(), .label = "json_schema " + args[1]};
}

}  // namespace vllm::bench
