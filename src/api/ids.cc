#include "api/ids.h"

#include <random>

namespace vllm::api {

std::string RandomId(std::string_view prefix, int num_chars) {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(prefix);
  std::uniform_int_distribution<int> pick(0, sizeof(kAlphabet) - 2);
  for (int i = 0; i < num_chars; ++i) id.push_back(kAlphabet[pick(rng)]);
  return id;
}

}  // namespace vllm::api
