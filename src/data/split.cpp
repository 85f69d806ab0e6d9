#include "weft/data/split.h"

#include <string>

#include "weft/core/error.h"

namespace weft {

std::string_view split_name(Split s) {
  switch (s) {
    case Split::train: return "train";
    case Split::val: return "val";
    case Split::test: return "test";
  }
  return "?";
}

Split parse_split(std::string_view s) {
  for (Split x : {Split::train, Split::val, Split::test})
    if (split_name(x) == s) return x;
  throw ValueError("unknown split '" + std::string(s) + "' (expected train, val or test)");
}

}  // namespace weft
