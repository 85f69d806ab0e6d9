// defines: OpKind, op_name, op_family, op_differentiable, kOpCount — generated from op_list.def.
#pragma once

#include <array>
#include <string_view>

namespace weft {

enum class OpKind {
#define WEFT_OP(name, family, diff) name,
#include "weft/ops/op_list.def"
#undef WEFT_OP
};

inline constexpr std::array kOpNames = {
#define WEFT_OP(name, family, diff) std::string_view(#name),
#include "weft/ops/op_list.def"
#undef WEFT_OP
};
inline constexpr std::array kOpFamilies = {
#define WEFT_OP(name, family, diff) std::string_view(#family),
#include "weft/ops/op_list.def"
#undef WEFT_OP
};
inline constexpr std::array kOpDifferentiable = {
#define WEFT_OP(name, family, diff) diff,
#include "weft/ops/op_list.def"
#undef WEFT_OP
};
inline constexpr size_t kOpCount = kOpNames.size();
static_assert(kOpFamilies.size() == kOpCount && kOpDifferentiable.size() == kOpCount);

constexpr std::string_view op_name(OpKind k) { return kOpNames[static_cast<size_t>(k)]; }
constexpr std::string_view op_family(OpKind k) { return kOpFamilies[static_cast<size_t>(k)]; }
constexpr bool op_differentiable(OpKind k) { return kOpDifferentiable[static_cast<size_t>(k)]; }
// The name as a C string, for error messages (each entry is a string literal).
constexpr const char* op_cstr(OpKind k) { return op_name(k).data(); }

}  // namespace weft
