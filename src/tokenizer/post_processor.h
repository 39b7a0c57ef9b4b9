// Post-processors: add the special tokens a model expects around an encoded sequence
// (e.g. Llama 3's BOS through TemplateProcessing). Only single sequences are encoded here,
// so only the "single" template is used. Applied when add_special_tokens is set.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "util/status.h"

namespace vllm {

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void Process(std::vector<int32_t>* ids) const = 0;
};

// null -> nullptr. Supported: TemplateProcessing, ByteLevel (ids unchanged),
// RobertaProcessing, BertProcessing, Sequence.
Result<std::unique_ptr<PostProcessor>> MakePostProcessor(const nlohmann::json& spec);

}  // namespace vllm
