// defines: make_nccl_communicator — the Communicator for CUDA tensors (one rank
// per GPU), built when CUDA and NCCL are (WEFT_WITH_NCCL). Its buffers are device
// pointers; the NCCL unique id travels over `bootstrap` (the MPI world).
// Compiled and linked with every CUDA build (suite cuda_nccl checks it at N = 1);
// not yet driven by the trainer, which refuses device tensors under mpirun.
#pragma once

#include <memory>

#include "weft/dist/communicator.h"

namespace weft {

#ifdef WEFT_WITH_NCCL
std::unique_ptr<Communicator> make_nccl_communicator(Communicator& bootstrap, int cuda_device);
#endif

}  // namespace weft
