// An exclusive advisory lock on a file (flock), held for the object's life: the lock that
// huggingface_hub takes too (filelock's UnixFileLock is flock on the same .locks/ path), so a
// Python download and a vllm-cpp download of one blob never write it at the same time. The
// kernel drops it when the process dies, so a crash never leaves the cache locked.
#pragma once

#include <string>

#include "util/status.h"

namespace vllm::hub {

class FileLock {
 public:
  // Blocks until the lock is ours; logs once when another process holds it.
  static Result<FileLock> Acquire(const std::string& path, const std::string& what);
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  FileLock(const FileLock&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace vllm::hub
