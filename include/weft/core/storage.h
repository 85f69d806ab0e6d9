// defines: Storage — a ref-counted buffer owned by one device's allocator.
#pragma once

#include <cstddef>
#include <memory>

#include "weft/core/allocator.h"
#include "weft/core/device.h"

namespace weft {

class Storage {
 public:
  Storage(size_t nbytes, Device device, Allocator& alloc);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
  Allocator* alloc_;
};

}  // namespace weft
