// The two checksums the hub names files by (its ETags, and the blob names of the cache):
// LFS files (weights) by the sha256 of their bytes; regular git files (config, tokenizer) by
// their git blob id, sha1("blob <size>\0" + bytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace vllm::hub {

enum class ChecksumKind { kSha256, kGitSha1 };

// 64 hex digits: sha256; 40: a git blob sha1. Anything else has no checksum we can verify.
std::optional<ChecksumKind> ChecksumKindOf(std::string_view etag);

// Lower-case hex digest of a file's bytes (streamed; files may be many GB).
Result<std::string> FileChecksum(const std::string& path, ChecksumKind kind);

// Lower-case hex digest of a byte string (tests, small files).
std::string BytesChecksum(std::string_view bytes, ChecksumKind kind);

// Ok when the file's checksum equals `etag`; DataLoss naming both otherwise.
Status VerifyFile(const std::string& path, const std::string& etag,
                  const std::string& display_name);

}  // namespace vllm::hub
