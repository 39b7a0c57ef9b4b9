#include "chat_template/json_dump.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "chat_template/error.h"
#include "chat_template/py_format.h"
#include "chat_template/utf8.h"

namespace vllm::jinja {
namespace {

void AppendEscaped(const std::string& s, bool ensure_ascii, std::string* out) {
  out->push_back('"');
  auto append_u = [out](unsigned cp) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "\\u%04x", cp);
    *out += buf;
  };
  if (ensure_ascii && !IsAscii(s)) {
    for (char32_t cp : DecodeUtf8(s)) {
      if (cp < 0x80) {
        // Same ASCII handling as below.
        std::string one(1, static_cast<char>(cp));
        std::string tmp;
        AppendEscaped(one, true, &tmp);
        out->append(tmp, 1, tmp.size() - 2);
      } else if (cp >= 0x10000) {
        unsigned v = cp - 0x10000;
        append_u(0xD800 | (v >> 10));
        append_u(0xDC00 | (v & 0x3FF));
      } else {
        append_u(cp);
      }
    }
    out->push_back('"');
    return;
  }
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\b': *out += "\\b"; break;
      case '\f': *out += "\\f"; break;
      default:
        // ensure_ascii also escapes DEL; ensure_ascii=False leaves it raw.
        if (c < 0x20 || (ensure_ascii && c == 0x7F)) {
          append_u(c);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& opts) : opts_(opts) {
    item_sep_ = opts.item_separator.value_or(opts.indent ? "," : ", ");
    key_sep_ = opts.key_separator.value_or(": ");
  }

  void Dump(const Value& v, int depth, std::string* out) {
    if (depth > 512) Fail("tojson: value nested too deeply");
    switch (v.kind()) {
      case Value::Kind::kNone:
        *out += "null";
        return;
      case Value::Kind::kBool:
        *out += v.as_bool() ? "true" : "false";
        return;
      case Value::Kind::kInt:
        *out += std::to_string(v.as_int());
        return;
      case Value::Kind::kFloat: {
        double d = v.as_double();
        if (std::isnan(d)) *out += "NaN";
        else if (std::isinf(d)) *out += d > 0 ? "Infinity" : "-Infinity";
        else *out += PyFloatRepr(d);
        return;
      }
      case Value::Kind::kString:
        AppendEscaped(v.as_string(), opts_.ensure_ascii, out);
        return;
      case Value::Kind::kList: {
        const auto& list = v.as_list();
        if (list.empty()) {
          *out += "[]";
          return;
        }
        out->push_back('[');
        for (size_t i = 0; i < list.size(); ++i) {
          if (i > 0) *out += item_sep_;
          Newline(depth + 1, out);
          Dump(list[i], depth + 1, out);
        }
        Newline(depth, out);
        out->push_back(']');
        return;
      }
      case Value::Kind::kDict: {
        const auto& items = v.as_dict().items;
        if (items.empty()) {
          *out += "{}";
          return;
        }
        std::vector<const std::pair<std::string, Value>*> order;
        for (const auto& kv : items) order.push_back(&kv);
        if (opts_.sort_keys) {
          // UTF-8 byte order equals Python's code point order.
          std::stable_sort(order.begin(), order.end(),
                           [](auto* a, auto* b) { return a->first < b->first; });
        }
        out->push_back('{');
        for (size_t i = 0; i < order.size(); ++i) {
          if (i > 0) *out += item_sep_;
          Newline(depth + 1, out);
          AppendEscaped(order[i]->first, opts_.ensure_ascii, out);
          *out += key_sep_;
          Dump(order[i]->second, depth + 1, out);
        }
        Newline(depth, out);
        out->push_back('}');
        return;
      }
      case Value::Kind::kUndefined:
      case Value::Kind::kFunction:
      case Value::Kind::kNamespace:
        break;
    }
    Fail("tojson: Object of type " + v.TypeName() + " is not JSON serializable");
  }

 private:
  void Newline(int depth, std::string* out) {
    if (!opts_.indent) return;
    out->push_back('\n');
    for (int i = 0; i < depth; ++i) *out += *opts_.indent;
  }

  const JsonDumpOptions& opts_;
  std::string item_sep_;
  std::string key_sep_;
};

}  // namespace

std::string JsonDump(const Value& v, const JsonDumpOptions& opts) {
  std::string out;
  Dumper(opts).Dump(v, 0, &out);
  return out;
}

}  // namespace vllm::jinja
