// bench-serve --response-format: the response_format every request sends, to measure what
// grammar-constrained decoding costs against the same load unconstrained.
//   json-object          -> {"type": "json_object"}
//   json-schema FILE     -> {"type": "json_schema", "json_schema": {"name": "bench",
//                            "schema": <FILE's JSON>, "strict": true}}
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace vllm::bench {

struct ResponseFormatArg {
  std::string json;   // compact response_format object
  std::string label;  // for the report: "json_object" or "json_schema FILE"
};

// args: the option's values (one or two words). A missing or unreadable FILE, or one that is
// not a JSON object or boolean schema, is InvalidArgument naming it.
Result<ResponseFormatArg> ParseResponseFormatArg(const std::vector<std::string>& args);

}  // namespace vllm::bench
