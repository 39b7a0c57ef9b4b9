#include "io/hub/checksum.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

namespace vllm::hub {

namespace {

using CtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

CtxPtr NewDigest(ChecksumKind kind) {
  CtxPtr ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  CHECK(ctx) << "EVP_MD_CTX_new failed (out of memory)";
  CHECK(EVP_DigestInit_ex(ctx.get(), kind == ChecksumKind::kSha256 ? EVP_sha256() : EVP_sha1(),
                          nullptr) == 1);
  return ctx;
}

std::string FinishHex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  CHECK(EVP_DigestFinal_ex(ctx, md, &n) == 1);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

void GitHeader(EVP_MD_CTX* ctx, uint64_t size) {
  const std::string header = "blob " + std::to_string(size);
  EVP_DigestUpdate(ctx, header.data(), header.size() + 1);  // + the terminating NUL
}

}  // namespace

std::optional<ChecksumKind> ChecksumKindOf(std::string_view etag) {
  for (char c : etag)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  if (etag.size() == 64) return ChecksumKind::kSha256;
  if (etag.size() == 40) return ChecksumKind::kGitSha1;
  return std::nullopt;
}

std::string BytesChecksum(std::string_view bytes, ChecksumKind kind) {
  CtxPtr ctx = NewDigest(kind);
  if (kind == ChecksumKind::kGitSha1) GitHeader(ctx.get(), bytes.size());
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  return FinishHex(ctx.get());
}

Result<std::string> FileChecksum(const std::string& path, ChecksumKind kind) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  struct stat st {};
  if (!f || fstat(fileno(f.get()), &st) != 0) return NotFound(path + ": cannot open");
  CtxPtr ctx = NewDigest(kind);
  if (kind == ChecksumKind::kGitSha1) GitHeader(ctx.get(), static_cast<uint64_t>(st.st_size));
  std::vector<char> buf(1 << 20);
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), f.get())) > 0)
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  if (std::ferror(f.get())) return DataLoss(path + ": read error");
  return FinishHex(ctx.get());
}

Status VerifyFile(const std::string& path, const std::string& etag,
                  const std::string& display_name) {
  const std::optional<ChecksumKind> kind = ChecksumKindOf(etag);
  if (!kind) return Status::Ok();  // an opaque ETag: the size check is all we have
  ASSIGN_OR_RETURN(std::string got, FileChecksum(path, *kind));
  if (got != etag)
    return DataLoss(display_name + ": checksum mismatch (" +
                    (kind == ChecksumKind::kSha256 ? "sha256 " : "git sha1 ") + got +
                    ", the hub says " + etag + ")");
  return Status::Ok();
}

}  // namespace vllm::hub
