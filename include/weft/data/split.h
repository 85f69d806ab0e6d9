// defines: Split, split_name, parse_split — which part of a corpus a batch comes from.
#pragma once

#include <string_view>

namespace weft {

enum class Split { train, val, test };

std::string_view split_name(Split s);  // "train", "val", "test"
// Parses "train", "val" or "test"; throws ValueError naming the string otherwise.
Split parse_split(std::string_view s);

}  // namespace weft
