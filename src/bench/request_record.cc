#include "bench/request_record.h"

namespace vllm::bench {

const char* RequestErrorName(RequestError e) {
  switch (e) {
    case RequestError::kNone: return "none";
    case RequestError::kConnection: return "connection";
    case RequestError::kHttpStatus: return "http";
    case RequestError::kTimeout: return "timeout";
    case RequestError::kBrokenStream: return "broken_stream";
    case RequestError::kStreamError: return "stream_error";
    case RequestError::kBadResponse: return "bad_response";
  }
  return "unknown";
}

}  // namespace vllm::bench
