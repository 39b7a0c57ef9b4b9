#include "tokenizer/tokenizer_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace vllm {
namespace {

Result<std::optional<std::string>> ReadFileIfExists(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return std::optional<std::string>(buffer.str());
}

// A special token is written either as "text" or as an AddedToken object {"content": ...}.
std::optional<std::string> TokenField(const nlohmann::json& config, const char* key) {
  if (!config.contains(key)) return std::nullopt;
  const auto& v = config.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v.at("content").is_string()) {
    return v.at("content").get<std::string>();
  }
  return std::nullopt;
}

std::optional<bool> BoolField(const nlohmann::json& config, const char* key) {
  if (!config.contains(key) || !config.at(key).is_boolean()) return std::nullopt;
  return config.at(key).get<bool>();
}

Status ParseChatTemplate(const nlohmann::json& value, TokenizerConfig* config) {
  if (value.is_string()) {
    config->chat_template = value.get<std::string>();
    config->chat_templates["default"] = config->chat_template;
    return Status::Ok();
  }
  if (!value.is_array()) return InvalidArgument("chat_template is neither a string nor a list");
  for (const auto& entry : value) {
    if (!entry.is_object() || !entry.contains("name") || !entry.contains("template")) {
      return InvalidArgument("chat_template list entries need 'name' and 'template'");
    }
    config->chat_templates[entry.at("name").get<std::string>()] =
        entry.at("template").get<std::string>();
  }
  auto it = config->chat_templates.find("default");
  if (it != config->chat_templates.end()) config->chat_template = it->second;
  return Status::Ok();
}

}  // namespace

Result<TokenizerConfig> TokenizerConfig::FromDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  TokenizerConfig config;
  ASSIGN_OR_RETURN(auto text, ReadFileIfExists(fs::path(dir) / "tokenizer_config.json"));
  if (text) {
    auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      return DataLoss(dir + "/tokenizer_config.json is not a JSON object");
    }
    config.bos_token = TokenField(json, "bos_token");
    config.eos_token = TokenField(json, "eos_token");
    config.pad_token = TokenField(json, "pad_token");
    config.unk_token = TokenField(json, "unk_token");
    config.add_bos_token = BoolField(json, "add_bos_token");
    config.add_eos_token = BoolField(json, "add_eos_token");
    if (json.contains("chat_template") && !json.at("chat_template").is_null()) {
      RETURN_IF_ERROR(ParseChatTemplate(json.at("chat_template"), &config)
                          .WithContext(dir + "/tokenizer_config.json"));
    }
  }
  // A separate chat_template.jinja (newer transformers) takes precedence over the JSON.
  ASSIGN_OR_RETURN(auto jinja, ReadFileIfExists(fs::path(dir) / "chat_template.jinja"));
  if (jinja) {
    config.chat_template = *jinja;
    config.chat_templates["default"] = *jinja;
  }
  ASSIGN_OR_RETURN(auto generation, ReadFileIfExists(fs::path(dir) / "generation_config.json"));
  if (generation) {
    auto json = nlohmann::json::parse(*generation, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded() || !json.is_object()) {
      return DataLoss(dir + "/generation_config.json is not a JSON object");
    }
    const auto eos = json.value("eos_token_id", nlohmann::json());
    if (eos.is_number_integer()) config.generation_eos_ids.push_back(eos.get<int32_t>());
    if (eos.is_array()) {
      for (const auto& id : eos) {
        if (id.is_number_integer()) config.generation_eos_ids.push_back(id.get<int32_t>());
      }
    }
  }
  return config;
}

}  // namespace vllm
