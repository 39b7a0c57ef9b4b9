// A model named the way users name it on the Hugging Face hub: ORG/NAME[@REVISION][:QUANT].
// `:QUANT` (e.g. `:Q4_K_M`, as llama.cpp and Ollama spell it) picks one GGUF file of a repo
// that ships several; REVISION is a branch, tag or commit hash (default "main").
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace vllm::hub {

struct HubRef {
  std::string repo_id;            // "ORG/NAME"
  std::string revision = "main";  // branch, tag or 40-hex commit
  std::string gguf_quant;         // "" or a quantization name such as "Q4_K_M"

  std::string ToString() const;  // back to ORG/NAME[@REVISION][:QUANT]
};

// True for a syntactically valid ORG/NAME[...] (what the hub accepts as a repo id: letters,
// digits, '-', '_', '.', no "--" or "..", at most 96 characters). Says nothing about existence.
bool LooksLikeHubName(std::string_view text);

// InvalidArgument naming the rule a malformed name breaks.
Result<HubRef> ParseHubRef(std::string_view text);

// A 40-hex git commit id: such a revision needs no refs/ entry and never changes.
bool IsCommitHash(std::string_view revision);

}  // namespace vllm::hub
