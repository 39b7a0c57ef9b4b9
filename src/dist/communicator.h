// Communicator: the collective operations tensor parallelism needs (issue 20), behind one
// boundary so that the model and the step broadcast never name a transport. One process per
// rank: MPI between CPU processes (mpi_communicator.cc, `mpirun -np N`), NCCL between GPUs
// (not built yet: no multi-GPU machine to run it on).
//
// Every call is collective: all ranks call it in the same order with the same sizes. Buffers
// are host memory for the MPI implementation (the CPU backend's device memory is host memory).
// A failed peer ends the process with one error line (MPI_ERRORS_ARE_FATAL; mpirun then stops
// every rank): a collective never waits forever on a dead rank.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "util/status.h"

namespace vllm {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // data[n] = sum over ranks of every rank's data[n], in place.
  virtual void AllReduceSum(float* data, int64_t n) = 0;
  // recv[world_size * bytes] = rank 0's send[bytes] | rank 1's | ... (rank order).
  virtual void AllGather(const void* send, size_t bytes, void* recv) = 0;
  // data[bytes] on every rank = root's data[bytes].
  virtual void Broadcast(void* data, size_t bytes, int root) = 0;
  virtual void Barrier() = 0;
};

// The process group of an `mpirun` launch: MPI_Init on first use, one communicator over
// MPI_COMM_WORLD whose size must equal `expected_world_size`. Errors: built without MPI
// (this binary links no MPI), or a world size that differs (e.g. --tensor-parallel-size 2
// without mpirun -np 2). The communicator lives until the process exits.
Result<Communicator*> WorldCommunicator(int expected_world_size);

// For the MPI implementation's translation unit: registers how to make the world
// communicator (the core library links no MPI; only binaries that need it do).
using WorldCommunicatorFactory = Result<Communicator*> (*)(int expected_world_size);
bool RegisterWorldCommunicatorFactory(WorldCommunicatorFactory factory);

}  // namespace vllm
