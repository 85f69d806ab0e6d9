// The one wording of an index-bounds error, whichever device found it.
#include "weft/backend/backend.h"

namespace weft {

std::string index_error_message(const IndexBounds& b, int64_t position, int64_t value) {
  if (b.has_ignore)
    return detail::concat(b.op, ": target ", value, " at position ", position, " is outside the ", b.n, " ", b.what,
                          " [0, ", b.n - 1, "] (ignore_index is ", b.ignore, ")");
  return detail::concat(b.op, ": index ", value, " at position ", position, " is out of range for ", b.what,
                        " of size ", b.n, " (valid: 0..", b.n - 1, ")");
}

}  // namespace weft
