// defines: cpu_backend, emu_backend, cuda_backend, cuda_probe — the backend singletons that
// backend_for (dispatch.cpp) hands out. Internal to src/backend.
#pragma once

#include <string>

#include "weft/backend/backend.h"

namespace weft {

Backend& cpu_backend();
Backend& emu_backend();  // backend/emu.h

#ifdef WEFT_WITH_CUDA
// The backend of CUDA device `index` (created on first use); DeviceError when
// the device does not exist or the driver/runtime cannot be initialised.
Backend& cuda_backend(int index);
// Number of usable CUDA devices; 0 with the runtime's reason in `why`. Never throws.
int cuda_probe(std::string& why);
#endif

}  // namespace weft
