// backend_for: the single place where a device picks its kernels. Kept apart from
// the CPU backend so that builds with and without CUDA differ only here.
#include "weft/backend/dispatch.h"

#include "backends.h"

namespace weft {

Backend& backend_for(Device device) {
  if (device.is_cpu()) return cpu_backend();
  if (device.is_emu()) return emu_backend();
#ifdef WEFT_WITH_CUDA
  return cuda_backend(device.index);
#else
  throw DeviceError("device " + device.str() +
                    " is not available: this weft was built without CUDA (configure with -DWEFT_CUDA=ON)");
#endif
}

int cuda_device_count() {
  std::string why;
  return cuda_device_count(why);
}

int cuda_device_count(std::string& why) {
#ifdef WEFT_WITH_CUDA
  return cuda_probe(why);
#else
  why = "this weft was built without CUDA (configure with -DWEFT_CUDA=ON)";
  return 0;
#endif
}

}  // namespace weft
