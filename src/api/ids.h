// Response ids (chatcmpl-..., cmpl-..., msg_..., call_..., toolu_...): a prefix and random
// alphanumerics from a thread-local generator seeded once per thread from the OS.
#pragma once

#include <string>
#include <string_view>

namespace vllm::api {

std::string RandomId(std::string_view prefix, int num_chars);

}  // namespace vllm::api
