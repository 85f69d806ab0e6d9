// defines: backend_for — the single place where a device picks its kernels.
#pragma once

#include "weft/backend/backend.h"

namespace weft {

// Throws DeviceError when the device's backend is not built (e.g. cuda without
// -DWEFT_CUDA=ON) or the device index does not exist.
Backend& backend_for(Device device);

// Number of OpenMP threads the CPU kernels use (= OpenBLAS threads: one pool).
int cpu_num_threads();
void set_cpu_num_threads(int n);

}  // namespace weft
