// Puts one file's verified bytes at blobs/<etag> in the cache:
//
//   lock .locks/.../<etag>.lock -> blob there (and, when asked, re-verified)? done
//   -> GET resolve URL (following redirects; the token stays on the hub's origin)
//      appending to blobs/<etag>.incomplete from its current size (HTTP Range), so an
//      interrupted download, in this process or an earlier one, continues where it stopped
//   -> dropped connection / 5xx / short body: back off and resume (5 tries without progress)
//   -> complete: checksum (sha256 for LFS files, git sha1 otherwise) must equal the ETag,
//      else the bytes are discarded and fetched once more, then refused
//   -> rename .incomplete -> blobs/<etag> (atomic: a blob is never seen half-written)
#pragma once

#include <string>

#include "io/hub/hub_api.h"
#include "io/hub/hub_cache.h"
#include "io/hub/repo_file.h"

namespace vllm::hub {

// verify_existing: hash a blob already in the cache too (found corrupt: fetched again).
Status FetchBlob(HubApi& api, const HubCache& cache, const std::string& repo_id,
                 const std::string& commit, const RepoFile& file, bool verify_existing);

}  // namespace vllm::hub
