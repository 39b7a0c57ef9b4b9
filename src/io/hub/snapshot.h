// A hub model in the local cache, ready to open as a checkpoint directory:
//   online:  revision -> commit (API) -> file listing (cached in trees/) -> the files the
//            checkpoint needs (file_selection.h) -> each blob fetched and verified
//            (blob_fetch.h) -> refs/<revision> -> snapshots/<commit>/<file> links.
//            A hub that cannot be reached falls back to the cache (as huggingface_hub does).
//   offline (HF_HUB_OFFLINE=1 / --offline): refs and snapshots only; no socket is opened.
#pragma once

#include <string>
#include <vector>

#include "io/hub/file_selection.h"
#include "io/hub/hub_ref.h"
#include "io/hub/hub_settings.h"

namespace vllm::hub {

struct SnapshotRequest {
  HubRef ref;
  SelectRequest select;
  bool verify_existing = false;  // re-hash blobs already cached (`pull` does)
};

struct Snapshot {
  std::string dir;  // <cache>/models--ORG--NAME/snapshots/<commit>
  std::string commit;
  std::vector<std::string> files;  // repo paths present under dir
  std::string gguf;                // full path of the picked GGUF ("" for safetensors checkpoints)
};

Result<Snapshot> FetchSnapshot(const HubSettings& settings, const SnapshotRequest& req);

// The cache only, whatever settings.offline says.
Result<Snapshot> FindCachedSnapshot(const HubSettings& settings, const SnapshotRequest& req);

}  // namespace vllm::hub
