// Where the hub is and where its cache lives, read from the same environment variables as
// huggingface_hub (constants.py), so both find the same files:
//   HF_ENDPOINT       hub URL (default https://huggingface.co)
//   HF_HUB_CACHE      cache root; else HUGGINGFACE_HUB_CACHE; else $HF_HOME/hub, where
//   HF_HOME           defaults to $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface
//   HF_TOKEN          access token; else HUGGING_FACE_HUB_TOKEN; else the token file
//                     ($HF_TOKEN_PATH, default $HF_HOME/token) that `hf auth login` writes
//   HF_HUB_OFFLINE    1/ON/YES/TRUE: never open a connection, serve from the cache only
#pragma once

#include <string>

namespace vllm::hub {

struct HubSettings {
  std::string endpoint;   // no trailing '/'
  std::string cache_dir;  // the hub cache root (holds models--ORG--NAME/)
  std::string token;      // "" = anonymous
  bool offline = false;
};

HubSettings HubSettingsFromEnv();

}  // namespace vllm::hub
