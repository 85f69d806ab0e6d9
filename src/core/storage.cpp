#include "weft/core/storage.h"

namespace weft {

Storage::Storage(size_t nbytes, Device device, Allocator& alloc)
    : data_(alloc.allocate(nbytes)), nbytes_(nbytes), device_(device), alloc_(&alloc) {}

Storage::~Storage() { alloc_->deallocate(data_, nbytes_); }

}  // namespace weft
