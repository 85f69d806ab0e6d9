// defines: DType, dtype_size, dtype_name, is_floating, dtype_of<T>.
//
// f32 is the training type everywhere; f64 exists on CPU for gradient checks;
// i32/i64 carry indices; bf16/f16 are storage types for the CUDA backend's mixed
// precision (the CPU backend rejects them with a DTypeError naming the op).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>

namespace weft {

enum class DType : uint8_t { f32, f64, i32, i64, bf16, f16 };

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i32: return 4;
    case DType::i64: return 8;
    case DType::bf16: return 2;
    case DType::f16: return 2;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f64: return "f64";
    case DType::i32: return "i32";
    case DType::i64: return "i64";
    case DType::bf16: return "bf16";
    case DType::f16: return "f16";
  }
  return "?";
}

constexpr bool is_floating(DType t) { return t == DType::f32 || t == DType::f64 || t == DType::bf16 || t == DType::f16; }
constexpr bool is_integral(DType t) { return t == DType::i32 || t == DType::i64; }

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::f32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::f64;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::i32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::i64;
};
template <typename T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

}  // namespace weft
