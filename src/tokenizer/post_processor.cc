#include "tokenizer/post_processor.h"

#include <nlohmann/json.hpp>
#include <utility>

namespace vllm {
namespace {

// A template is a list of pieces: fixed id runs, with one slot for the sequence.
class TemplateProcessor : public PostProcessor {
 public:
  TemplateProcessor(std::vector<int32_t> before, std::vector<int32_t> after)
      : before_(std::move(before)), after_(std::move(after)) {}
  void Process(std::vector<int32_t>* ids) const override {
    ids->insert(ids->begin(), before_.begin(), before_.end());
    ids->insert(ids->end(), after_.begin(), after_.end());
  }

 private:
  std::vector<int32_t> before_, after_;
};

class NoOpProcessor : public PostProcessor {
 public:
  void Process(std::vector<int32_t>*) const override {}
};

class SequenceProcessor : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  void Process(std::vector<int32_t>* ids) const override {
    for (const auto& step : steps_) step->Process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

Result<std::unique_ptr<PostProcessor>> MakeTemplate(const nlohmann::json& spec) {
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  const auto& special_tokens = spec.value("special_tokens", nlohmann::json::object());
  for (const auto& piece : spec.at("single")) {
    if (piece.contains("Sequence")) {
      if (piece.at("Sequence").value("id", "A") != "A") {
        return InvalidArgument("TemplateProcessing single template uses sequence B");
      }
      if (seen_sequence) return InvalidArgument("TemplateProcessing: sequence A twice");
      seen_sequence = true;
      continue;
    }
    if (!piece.contains("SpecialToken")) return InvalidArgument("TemplateProcessing: bad piece");
    const std::string name = piece.at("SpecialToken").at("id").get<std::string>();
    if (!special_tokens.contains(name)) {
      return InvalidArgument("TemplateProcessing: special token '" + name + "' has no ids");
    }
    auto& target = seen_sequence ? after : before;
    for (const auto& id : special_tokens.at(name).at("ids")) target.push_back(id.get<int32_t>());
  }
  return std::unique_ptr<PostProcessor>(new TemplateProcessor(std::move(before), std::move(after)));
}

}  // namespace

Result<std::unique_ptr<PostProcessor>> MakePostProcessor(const nlohmann::json& spec) {
  if (spec.is_null()) return std::unique_ptr<PostProcessor>();
  const std::string type = spec.value("type", "");
  if (type == "TemplateProcessing") return MakeTemplate(spec);
  if (type == "ByteLevel") return std::unique_ptr<PostProcessor>(new NoOpProcessor());
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    // "cls": ["<s>", 0], "sep": ["</s>", 2]  ->  cls A sep
    const int32_t cls = spec.at("cls").at(1).get<int32_t>();
    const int32_t sep = spec.at("sep").at(1).get<int32_t>();
    return std::unique_ptr<PostProcessor>(new TemplateProcessor({cls}, {sep}));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (const auto& sub : spec.at("processors")) {
      ASSIGN_OR_RETURN(auto step, MakePostProcessor(sub));
      if (step) steps.push_back(std::move(step));
    }
    return std::unique_ptr<PostProcessor>(new SequenceProcessor(std::move(steps)));
  }
  return Unimplemented("post_processor type '" + type + "'");
}

}  // namespace vllm
