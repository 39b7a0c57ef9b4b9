#include "cli/byte_size.h"

#include <cctype>

namespace vllm::cli {

Result<int64_t> ParseByteSize(const std::string& text, const std::string& flag) {
  size_t pos = 0;
  double v = 0;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return InvalidArgument(flag + ": '" + text + "' is not a size (e.g. 4GiB, 512MiB)");
  }
  std::string unit = text.substr(pos);
  for (auto& c : unit) c = static_cast<char>(std::tolower(c));
  double mult = 1;
  if (unit == "" || unit == "b")
    mult = 1;
  else if (unit == "k" || unit == "kb")
    mult = 1e3;
  else if (unit == "kib")
    mult = 1024.0;
  else if (unit == "m" || unit == "mb")
    mult = 1e6;
  else if (unit == "mib")
    mult = 1024.0 * 1024;
  else if (unit == "g" || unit == "gb")
    mult = 1e9;
  else if (unit == "gib")
    mult = 1024.0 * 1024 * 1024;
  else if (unit == "t" || unit == "tb")
    mult = 1e12;
  else if (unit == "tib")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else
    return InvalidArgument(flag + ": unknown unit '" + unit +
                           "' (use B, KiB, MiB, GiB, KB, MB, GB)");
  if (!(v > 0)) return InvalidArgument(flag + " must be > 0");
  // Converting a double past int64's range is undefined behaviour; nobody has 1 EiB.
  if (!(v * mult < 0x1p60)) return InvalidArgument(flag + ": '" + text + "' is too large");
  return static_cast<int64_t>(v * mult);
}

}  // namespace vllm::cli
