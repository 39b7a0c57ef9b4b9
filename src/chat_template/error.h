// TemplateError: how template failures travel *inside* the interpreter.
//
// Evaluation is deeply recursive (expressions inside filters inside loops inside macros), and
// nearly every step can fail on user data. Threading Result<T> through every node would
// double the interpreter's size, so failures are thrown as TemplateError and caught at the
// one public entry point (chat_template.cc), which turns them into a Status. No exception
// leaves this folder (DESIGN.md §9.4).
#pragma once

#include <stdexcept>
#include <string>

namespace vllm::jinja {

struct SourcePos {
  int line = 0;  // 1-based; 0 = unknown
  int column = 0;
};

class TemplateError : public std::runtime_error {
 public:
  explicit TemplateError(const std::string& message, SourcePos pos = {})
      : std::runtime_error(message), pos_(pos) {}
  SourcePos pos() const { return pos_; }
  bool has_pos() const { return pos_.line > 0; }
  void set_pos(SourcePos pos) { pos_ = pos; }

 private:
  SourcePos pos_;
};

// raise_exception(msg) from a template: reported verbatim, like jinja2's TemplateError.
class RaisedError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

// Output size / loop iteration / recursion caps from ChatTemplateOptions were hit.
class LimitError : public TemplateError {
 public:
  using TemplateError::TemplateError;
};

[[noreturn]] inline void Fail(const std::string& message) { throw TemplateError(message); }

}  // namespace vllm::jinja
