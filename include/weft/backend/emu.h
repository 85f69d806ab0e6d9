// defines: EmuTransfers, emu_transfers, reset_emu_transfers — the emulated device.
//
// Device::emu() is a second device whose memory is host memory and whose kernels
// are the CPU's, run on aliases of its tensors: every result is bit-identical to
// the CPU's. What makes it a device is the boundary: data<T>() on an emu tensor is
// a DeviceError (as on cuda), ops refuse to mix emu and cpu tensors, and a copy
// between the two is a counted transfer. Trainer, checkpoint and model code that
// runs on emu therefore runs on a GPU as far as placement goes, and the counters
// show how often a step reads the device from the host. It is for tests and CI;
// it is never faster than cpu.
#pragma once

#include <cstdint>

namespace weft {

struct EmuTransfers {
  uint64_t to_device = 0, to_host = 0;              // copies cpu → emu, emu → cpu
  uint64_t bytes_to_device = 0, bytes_to_host = 0;
};

EmuTransfers emu_transfers();
void reset_emu_transfers();

}  // namespace weft
