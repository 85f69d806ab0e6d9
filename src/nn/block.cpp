#include "weft/nn/block.h"

namespace weft {

void add_layerdrop_option(Schema& s) {
  s.add_number("layerdrop", 0.0).range(0.0, 1.0).help(
      "LayerDrop: probability of skipping the whole block in a training step (eval runs every block)");
}

}  // namespace weft
