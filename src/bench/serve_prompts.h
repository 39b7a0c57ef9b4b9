// The prompt sets of bench-serve: built-in "short", "medium" and "long" (fixed text, so runs on
// different machines or servers send the same requests), or a user's file.
//
// A prompt file is either a JSON list of strings (when its first non-blank character is '[')
// or plain text with one prompt per non-empty line. It forms one set named after the file.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace vllm::bench {

struct PromptSet {
  std::string name;  // "short", or the file's name
  std::vector<std::string> prompts;
};

// "--prompts" value: a path to an existing file, or a comma list of built-in set names.
Result<std::vector<PromptSet>> ResolvePromptSets(const std::string& arg);

Result<PromptSet> LoadPromptFile(const std::string& path);

}  // namespace vllm::bench
