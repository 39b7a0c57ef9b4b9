// `vllm-cpp pull ORG/NAME[@REVISION][:QUANT]`: downloads what the checkpoint needs into the
// Hugging Face cache (verifying every blob, including ones already there) and prints where.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "io/hub/hub_cache.h"
#include "io/hub/progress.h"
#include "io/hub/snapshot.h"

namespace vllm::cli {

int RunPull(int argc, char** argv) {
  CLI::App app{
      "Download a hub model into the Hugging Face cache (HF_HUB_CACHE, default "
      "~/.cache/huggingface/hub)",
      "vllm-cpp pull"};
  std::string name, revision, gguf_file;
  bool offline = false, tokenizer_only = false;
  app.add_option(
         "model", name,
         "ORG/NAME[@REVISION][:QUANT], e.g. Qwen/Qwen3-0.6B or unsloth/Qwen3-0.6B-GGUF:Q4_K_M")
      ->required();
  app.add_option("--revision", revision, "Branch, tag or commit (default: main, or ORG/NAME@REV)");
  app.add_option("--gguf-file", gguf_file, "Which GGUF file of the repo");
  app.add_flag("--tokenizer-only", tokenizer_only, "Only config and tokenizer files");
  app.add_flag("--offline", offline, "Check the cache only (= HF_HUB_OFFLINE=1)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto fail = [](const Status& st) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return 1;
  };
  auto ref = hub::ParseHubRef(name);
  if (!ref.ok()) return fail(ref.status());
  if (!revision.empty()) ref->revision = revision;
  hub::HubSettings settings = hub::HubSettingsFromEnv();
  settings.offline = settings.offline || offline;
  const hub::SnapshotRequest req{
      .ref = ref.value(),
      .select = {.set = tokenizer_only ? hub::FileSet::kTokenizer : hub::FileSet::kCheckpoint,
                 .gguf_file = gguf_file,
                 .gguf_quant = ref->gguf_quant},
      .verify_existing = true};
  auto snap = hub::FetchSnapshot(settings, req);
  if (!snap.ok()) return fail(snap.status());
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& f : snap->files)
    bytes += static_cast<int64_t>(std::filesystem::file_size(snap->dir + "/" + f, ec));
  std::printf("%s: commit %s, %zu files, %s\n%s\n", ref->ToString().c_str(), snap->commit.c_str(),
              snap->files.size(), hub::FormatBytes(bytes).c_str(),
              (snap->gguf.empty() ? snap->dir : snap->gguf).c_str());
  return 0;
}

int RunRm(int argc, char** argv) {
  CLI::App app{"Remove a hub model from the Hugging Face cache (every revision, and its blobs)",
               "vllm-cpp rm"};
  std::string name;
  app.add_option("model", name, "ORG/NAME")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto ref = hub::ParseHubRef(name);
  const hub::HubCache cache(hub::HubSettingsFromEnv().cache_dir);
  const Status st = ref.ok() ? cache.Remove(ref->repo_id) : ref.status();
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return 1;
  }
  std::printf("removed %s from %s\n", ref->repo_id.c_str(), cache.root().c_str());
  return 0;
}

}  // namespace vllm::cli
