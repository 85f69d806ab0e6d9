// defines: backend_for — the single place where a device picks its kernels —
// cuda_device_count, cpu_num_threads.
#pragma once

#include <string>

#include "weft/backend/backend.h"

namespace weft {

// Throws DeviceError when the device's backend is not built (e.g. cuda without
// -DWEFT_CUDA=ON) or the device index does not exist.
Backend& backend_for(Device device);

// Usable CUDA devices: 0 when built without CUDA or when the runtime finds none
// (then `why` says why, e.g. "no CUDA-capable device is detected"). Never throws.
int cuda_device_count();
int cuda_device_count(std::string& why);

// Number of OpenMP threads the CPU kernels use (= oneDNN and OpenBLAS threads: one pool).
int cpu_num_threads();
void set_cpu_num_threads(int n);

}  // namespace weft
