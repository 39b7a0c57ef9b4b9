#include "io/hub/hub_ref.h"

#include <cctype>

namespace vllm::hub {

namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// One side of ORG/NAME, with the hub's rules (huggingface_hub validate_repo_id).
Status CheckPart(std::string_view part, std::string_view whole) {
  const std::string name(whole);
  if (part.empty()) return InvalidArgument("'" + name + "' is not ORG/NAME: an empty part");
  for (char c : part)
    if (!IsNameChar(c))
      return InvalidArgument("'" + name + "' is not a hub name: '" + std::string(1, c) +
                             "' is not allowed (letters, digits, '-', '_', '.')");
  if (part.front() == '-' || part.front() == '.' || part.back() == '-' || part.back() == '.')
    return InvalidArgument("'" + name +
                           "' is not a hub name: a part starts or ends with '-' or '.'");
  if (part.find("--") != std::string_view::npos || part.find("..") != std::string_view::npos)
    return InvalidArgument("'" + name + "' is not a hub name: '--' and '..' are not allowed");
  return Status::Ok();
}

}  // namespace

std::string HubRef::ToString() const {
  std::string s = repo_id;
  if (revision != "main") s += "@" + revision;
  if (!gguf_quant.empty()) s += ":" + gguf_quant;
  return s;
}

bool IsCommitHash(std::string_view revision) {
  if (revision.size() != 40) return false;
  for (char c : revision)
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c)))
      return false;
  return true;
}

Result<HubRef> ParseHubRef(std::string_view text) {
  HubRef ref;
  std::string_view rest = text;
  // ':' cannot appear in a git ref name, so the last ':' after the slash starts the quant.
  if (const size_t colon = rest.rfind(':');
      colon != std::string_view::npos && colon > rest.find('/')) {
    ref.gguf_quant = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (ref.gguf_quant.empty())
      return InvalidArgument("'" + std::string(text) + "': empty quantization after ':'");
    for (char c : ref.gguf_quant)
      if (!IsNameChar(c))
        return InvalidArgument("'" + std::string(text) + "': bad quantization name '" +
                               ref.gguf_quant + "'");
  }
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.revision = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (ref.revision.empty())
      return InvalidArgument("'" + std::string(text) + "': empty revision after '@'");
    if (ref.revision.find("..") != std::string::npos || ref.revision.front() == '/' ||
        ref.revision.back() == '/')
      return InvalidArgument("'" + std::string(text) + "': bad revision '" + ref.revision + "'");
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.find('/', slash + 1) != std::string_view::npos)
    return InvalidArgument("'" + std::string(text) +
                           "' is not a hub name (ORG/NAME[@REVISION][:QUANT])");
  if (rest.size() > 96)
    return InvalidArgument("'" + std::string(text) +
                           "' is not a hub name: longer than 96 characters");
  RETURN_IF_ERROR(CheckPart(rest.substr(0, slash), text));
  RETURN_IF_ERROR(CheckPart(rest.substr(slash + 1), text));
  ref.repo_id = std::string(rest);
  return ref;
}

bool LooksLikeHubName(std::string_view text) { return ParseHubRef(text).ok(); }

}  // namespace vllm::hub
