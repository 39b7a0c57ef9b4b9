#include "tokenizer/load_tokenizer.h"

#include <filesystem>

#include "io/gguf.h"
#include "tokenizer/gguf_tokenizer.h"

namespace vllm {

Result<std::unique_ptr<Tokenizer>> LoadTokenizer(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec) && fs::exists(fs::path(path) / "tokenizer.json", ec))
    return Tokenizer::FromDirectory(path);
  if (!fs::is_directory(path, ec) || FindGgufFile(path).ok()) {
    ASSIGN_OR_RETURN(GgufModel gguf, GgufModel::Open(path));
    return TokenizerFromGguf(gguf.first());
  }
  return Tokenizer::FromDirectory(path);
}

}  // namespace vllm
