#include "io/hub/hub_settings.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace vllm::hub {

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// huggingface_hub's _is_true: "1", "ON", "YES", "TRUE", any case.
bool EnvTrue(const char* name) {
  std::string v = Env(name);
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::toupper(c); });
  return v == "1" || v == "ON" || v == "YES" || v == "TRUE";
}

std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

std::string HfHome() {
  if (std::string h = Env("HF_HOME"); !h.empty()) return h;
  std::string base = Env("XDG_CACHE_HOME");
  if (base.empty()) base = Env("HOME") + "/.cache";
  return base + "/huggingface";
}

std::string ReadTokenFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return Trim(ss.str());
}

}  // namespace

HubSettings HubSettingsFromEnv() {
  HubSettings s;
  s.endpoint = Env("HF_ENDPOINT");
  if (s.endpoint.empty()) s.endpoint = "https://huggingface.co";
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  const std::string home = HfHome();
  s.cache_dir = Env("HF_HUB_CACHE");
  if (s.cache_dir.empty()) s.cache_dir = Env("HUGGINGFACE_HUB_CACHE");
  if (s.cache_dir.empty()) s.cache_dir = home + "/hub";
  s.token = Trim(Env("HF_TOKEN"));
  if (s.token.empty()) s.token = Trim(Env("HUGGING_FACE_HUB_TOKEN"));
  if (s.token.empty()) {
    std::string path = Env("HF_TOKEN_PATH");
    if (path.empty()) path = home + "/token";
    s.token = ReadTokenFile(path);
  }
  s.offline = EnvTrue("HF_HUB_OFFLINE");
  return s;
}

}  // namespace vllm::hub
