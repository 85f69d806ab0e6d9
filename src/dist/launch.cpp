#include "weft/dist/launch.h"

#include <cstdlib>

#include "weft/core/error.h"
#include "weft/dist/communicator.h"

namespace weft {

#ifdef WEFT_WITH_MPI
std::unique_ptr<Communicator> mpi_init_world(int* argc, char*** argv);  // mpi/mpi_communicator.cpp
void mpi_finalize_world();
#endif

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

#ifdef WEFT_WITH_MPI
namespace {
bool& mpi_started() {
  static bool started = false;
  return started;
}
}  // namespace
#endif

void init_distributed([[maybe_unused]] int* argc, [[maybe_unused]] char*** argv) {
  if (!launched_by_mpi()) return;
#ifdef WEFT_WITH_MPI
  set_world(mpi_init_world(argc, argv));
  mpi_started() = true;
#else
  const char* n = std::getenv("OMPI_COMM_WORLD_SIZE");
  if (n != nullptr && std::atoi(n) > 1)
    throw ConfigError("this weft was built without MPI (WEFT_MPI=OFF or Open MPI not found) but was started by "
                      "mpirun with " + std::string(n) + " ranks; rebuild with libopenmpi-dev installed");
#endif
}

void finalize_distributed() {
#ifdef WEFT_WITH_MPI
  if (mpi_started()) {
    set_world(make_single_communicator());
    mpi_finalize_world();
    mpi_started() = false;
  }
#endif
}

}  // namespace weft
