#include "dist/communicator.h"

#include <string>

namespace vllm {

namespace {
WorldCommunicatorFactory& Factory() {
  static WorldCommunicatorFactory f = nullptr;
  return f;
}
}  // namespace

bool RegisterWorldCommunicatorFactory(WorldCommunicatorFactory factory) {
  Factory() = factory;
  return true;
}

Result<Communicator*> WorldCommunicator(int expected_world_size) {
  if (Factory() == nullptr)
    return Unimplemented("this binary was built without MPI: --tensor-parallel-size " +
                         std::to_string(expected_world_size) + " needs the vllm-cpp binary");
  return Factory()(expected_world_size);
}

}  // namespace vllm
