// The Communicator over MPI (Open MPI): one process per rank, launched by `mpirun -np N`.
// Built only into the binaries that need it (CMakeLists.txt: vllm-cpp), which register it
// with the core library at static initialisation.
#include <mpi.h>

#include <cstdlib>
#include <string>

#include "dist/communicator.h"
#include "util/check.h"

namespace vllm {

namespace {

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCommunicator() override = default;
  int rank() const override { return rank_; }
  int world_size() const override { return size_; }

  void AllReduceSum(float* data, int64_t n) override {
    CHECK_LE(n, kMaxCount) << "all-reduce too large for one MPI call";
    MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
  void AllGather(const void* send, size_t bytes, void* recv) override {
    CHECK_LE(bytes, static_cast<size_t>(kMaxCount)) << "all-gather too large for one MPI call";
    MPI_Allgather(send, static_cast<int>(bytes), MPI_BYTE, recv, static_cast<int>(bytes), MPI_BYTE,
                  MPI_COMM_WORLD);
  }
  void Broadcast(void* data, size_t bytes, int root) override {
    CHECK_LE(bytes, static_cast<size_t>(kMaxCount)) << "broadcast too large for one MPI call";
    MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, root, MPI_COMM_WORLD);
  }
  void Barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

 private:
  static constexpr int64_t kMaxCount = 0x7fffffff;
  int rank_ = 0, size_ = 1;
};

void FinalizeAtExit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

Result<Communicator*> MakeWorld(int expected_world_size) {
  static MpiCommunicator* world = nullptr;
  if (world == nullptr) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      // The engine and the server call MPI from one thread only (the engine's step loop).
      // The step loop calls from the engine's thread, not the one that initialised MPI.
      int provided = 0;
      MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
      std::atexit(FinalizeAtExit);
      if (provided < MPI_THREAD_SERIALIZED)
        return Unimplemented("this MPI library does not allow calls from a thread other than main's");
    }
    // Any MPI failure (a peer gone) aborts every rank with MPI's message: never a hang.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    world = new MpiCommunicator();  // lives until exit: ranks share it for the whole run
  }
  if (world->world_size() != expected_world_size)
    return InvalidArgument("--tensor-parallel-size " + std::to_string(expected_world_size) +
                           " needs that many processes: run under `mpirun -np " +
                           std::to_string(expected_world_size) + "` (this launch has " +
                           std::to_string(world->world_size()) + ")");
  return static_cast<Communicator*>(world);
}

const bool kRegistered = RegisterWorldCommunicatorFactory(&MakeWorld);

}  // namespace

}  // namespace vllm
