#include "weft/core/rng.h"

namespace weft {

Generator& default_generator() {
  static Generator g(0);
  return g;
}

}  // namespace weft
