#include "cli/tensor_parallel.h"

#include <cstdlib>

#include "runner/tp_step.h"

namespace vllm::cli {

std::unique_ptr<Model> LeadOrServeShard(std::unique_ptr<Model> shard, const ModelConfig& full, Communicator& comm) {
  if (comm.rank() == 0) return std::make_unique<TpLeaderModel>(std::move(shard), full, comm);
  RunTpWorker(*shard, comm);
  shard.reset();
  std::exit(0);  // MPI_Finalize runs at exit (dist/mpi_communicator.cc)
}

}  // namespace vllm::cli
