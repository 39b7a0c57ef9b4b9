#include "chat_template/percent_format.h"

#include <cstdio>
#include <vector>

#include "chat_template/builtins.h"
#include "chat_template/error.h"
#include "chat_template/py_format.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char conversion = 0;
};

std::string Pad(std::string body, const Spec& spec) {
  int len = static_cast<int>(Utf8Length(body));
  if (spec.width <= len) return body;
  std::string fill(spec.width - len, ' ');
  return spec.flags.find('-') != std::string::npos ? body + fill : fill + body;
}

std::string FormatNumber(const Value& v, const Spec& spec) {
  if (!v.is_number()) {
    std::string msg = "%";
    Fail(msg.append(1, spec.conversion).append(" format: a real number is required, not ").append(v.TypeName()));
  }
  std::string fmt = "%";
  fmt.append(spec.flags);
  if (spec.width >= 0) fmt += std::to_string(spec.width);
  if (spec.precision >= 0) fmt.append(1, '.').append(std::to_string(spec.precision));
  // width and precision are capped at 4096 each, so this always fits.
  std::vector<char> storage(9000);
  char* buf = storage.data();
  const size_t buf_size = storage.size();
  char c = spec.conversion;
  if (c == 'd' || c == 'i' || c == 'u' || c == 'x' || c == 'X' || c == 'o') {
    long long i = v.is_float() ? static_cast<long long>(v.as_double()) : v.as_int();
    if (spec.flags.find('#') != std::string::npos && (c == 'o')) {
      // Python writes 0o17 where C writes 017.
      std::string out = (i < 0 ? "-0o" : "0o");
      std::snprintf(buf, buf_size, "%llo", static_cast<unsigned long long>(i < 0 ? -i : i));
      return Pad(out + buf, spec);
    }
    fmt += (c == 'i' || c == 'u') ? "lld" : std::string("ll") + c;
    std::snprintf(buf, buf_size, fmt.c_str(), i);
  } else {
    fmt.push_back(c);
    std::snprintf(buf, buf_size, fmt.c_str(), v.as_double());
  }
  return buf;
}

}  // namespace

std::string PercentFormat(const std::string& fmt, const Value& args) {
  std::vector<Value> positional;
  const bool is_mapping = args.is_dict();
  if (args.is_tuple()) positional = args.as_list();
  else if (!is_mapping) positional.push_back(args);
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) Fail("incomplete format");
    const Value* arg = nullptr;
    if (fmt[i] == '(') {
      size_t close = fmt.find(')', i);
      if (close == std::string::npos) Fail("incomplete format key");
      if (!is_mapping) Fail("format requires a mapping");
      arg = args.as_dict().Find(fmt.substr(i + 1, close - i - 1));
      if (!arg) Fail("format key '" + fmt.substr(i + 1, close - i - 1) + "' not found");
      i = close + 1;
    }
    Spec spec;
    while (i < fmt.size() && std::string("-+ 0#").find(fmt[i]) != std::string::npos) spec.flags.push_back(fmt[i++]);
    auto number = [&]() {
      int n = 0;
      while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) n = std::min(n * 10 + (fmt[i++] - '0'), 4096);
      return n;
    };
    if (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) spec.width = number();
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      spec.precision = number();
    }
    if (i >= fmt.size()) Fail("incomplete format");
    spec.conversion = fmt[i];
    if (spec.conversion == '%') {
      out.push_back('%');
      continue;
    }
    if (!arg) {
      if (is_mapping) Fail("format requires a mapping");
      if (next >= positional.size()) Fail("not enough arguments for format string");
      arg = &positional[next++];
    }
    switch (spec.conversion) {
      case 's': {
        std::string s = PyStr(*arg);
        if (spec.precision >= 0) s = EncodeUtf8(DecodeUtf8(s).substr(0, spec.precision));
        out += Pad(s, spec);
        break;
      }
      case 'r':
      case 'a':
        out += Pad(PyRepr(*arg), spec);
        break;
      case 'c':
        if (arg->is_string() && Utf8Length(arg->as_string()) == 1) out += Pad(arg->as_string(), spec);
        else if (arg->is_int()) out += Pad(EncodeUtf8(std::u32string(1, static_cast<char32_t>(arg->as_int()))), spec);
        else Fail("%c requires an int or a single character");
        break;
      case 'd': case 'i': case 'u': case 'x': case 'X': case 'o':
      case 'f': case 'F': case 'e': case 'E': case 'g': case 'G':
        out += FormatNumber(*arg, spec);
        break;
      default:
        Fail(std::string("unsupported format character '") + spec.conversion + "'");
    }
  }
  if (!is_mapping && next < positional.size()) Fail("not all arguments converted during string formatting");
  return out;
}

}  // namespace vllm::jinja
