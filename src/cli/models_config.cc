#include "cli/models_config.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace vllm::cli {

namespace {

Result<std::string> Scalar(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) return InvalidArgument(where + ": expected a string");
  return n.as<std::string>();
}

Result<ServedModelSpec> ParseEntry(const YAML::Node& e, size_t i, const std::string& path,
                                   const ModelSourceOptions& defaults) {
  const std::string where = path + ": models[" + std::to_string(i) + "]";
  if (!e.IsMap())
    return InvalidArgument(where + ": expected a mapping with 'model' (and 'name', ...)");
  ServedModelSpec spec{.source = defaults};
  static const std::set<std::string> kKeys = {"name",      "model",       "revision",
                                              "gguf_file", "load_format", "offline"};
  for (const auto& kv : e) {
    const std::string key = kv.first.as<std::string>();
    if (!kKeys.count(key))
      return InvalidArgument(where + ": unknown field '" + key +
                             "' (name, model, revision, gguf_file, load_format, offline)");
    if (key == "offline") {
      if (!kv.second.IsScalar()) return InvalidArgument(where + ".offline: expected true or false");
      try {
        spec.source.offline = kv.second.as<bool>();
      } catch (const YAML::Exception&) {
        return InvalidArgument(where + ".offline: expected true or false");
      }
      continue;
    }
    ASSIGN_OR_RETURN(std::string v, Scalar(kv.second, where + "." + key));
    if (key == "name") spec.name = v;
    if (key == "model") spec.model = v;
    if (key == "revision") spec.source.revision = v;
    if (key == "gguf_file") spec.source.gguf_file = v;
    if (key == "load_format") spec.source.load_format = v;
  }
  if (spec.model.empty()) return InvalidArgument(where + ": 'model' is required");
  if (spec.name.empty()) spec.name = spec.model;
  return spec;
}

}  // namespace

Result<ServedModelSpec> ParseModelFlag(const std::string& text,
                                       const ModelSourceOptions& defaults) {
  ServedModelSpec spec{.source = defaults};
  const size_t eq = text.find('=');
  spec.model = eq == std::string::npos ? text : text.substr(eq + 1);
  spec.name = eq == std::string::npos ? text : text.substr(0, eq);
  if (spec.model.empty() || spec.name.empty())
    return InvalidArgument("--model '" + text + "': expected [NAME=]MODEL");
  return spec;
}

Result<ModelsConfig> LoadModelsConfig(const std::string& path, const ModelSourceOptions& defaults) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFound(path + ": cannot read the models config");
  } catch (const YAML::Exception& e) {
    return InvalidArgument(path + ": not valid YAML/JSON: " + e.what());
  }
  if (!root.IsMap()) return InvalidArgument(path + ": expected a mapping with 'models'");
  ModelsConfig cfg;
  for (const auto& kv : root) {
    const std::string key = kv.first.as<std::string>();
    if (key == "models") continue;
    if (key == "idle_unload") {
      try {
        cfg.idle_unload_s = kv.second.as<double>();
      } catch (const YAML::Exception&) {
        return InvalidArgument(path + ": idle_unload: expected seconds");
      }
    } else if (key == "memory_budget") {
      ASSIGN_OR_RETURN(cfg.memory_budget, Scalar(kv.second, path + ": memory_budget"));
    } else {
      return InvalidArgument(path + ": unknown field '" + key +
                             "' (models, idle_unload, memory_budget)");
    }
  }
  const YAML::Node models = root["models"];
  if (!models || !models.IsSequence() || models.size() == 0)
    return InvalidArgument(path + ": 'models' must be a non-empty list");
  for (size_t i = 0; i < models.size(); ++i) {
    ASSIGN_OR_RETURN(ServedModelSpec spec, ParseEntry(models[i], i, path, defaults));
    cfg.models.push_back(std::move(spec));
  }
  return cfg;
}

}  // namespace vllm::cli
