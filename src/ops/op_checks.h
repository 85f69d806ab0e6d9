// defines: the eager argument checks shared by ops (internal to src/ops).
// Every message names the op, the offending tensors and what was expected.
#pragma once

#include "weft/core/tensor.h"

namespace weft::opcheck {

inline void defined(const char* op, const Tensor& t, const char* arg) {
  WEFT_CHECK(t.defined(), ValueError, op, ": argument '", arg, "' is an undefined tensor");
}

inline void floating(const char* op, const Tensor& t, const char* arg) {
  defined(op, t, arg);
  WEFT_CHECK(t.dtype() == DType::f32 || t.dtype() == DType::f64, DTypeError, op, ": argument '", arg, "' is ",
             t.describe(), "; expected f32 or f64");
}

inline void index(const char* op, const Tensor& t, const char* arg) {
  defined(op, t, arg);
  WEFT_CHECK(t.dtype() == DType::i64, DTypeError, op, ": argument '", arg, "' is ", t.describe(),
             "; expected i64 indices");
}

inline void same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  WEFT_CHECK(a.dtype() == b.dtype(), DTypeError, op, ": dtype mismatch between ", a.describe(), " and ", b.describe(),
             " (convert one with .to(dtype))");
}

inline void same_device(const char* op, const Tensor& a, const Tensor& b) {
  WEFT_CHECK(a.device() == b.device(), DeviceError, op, ": tensors on different devices: ", a.describe(), " and ",
             b.describe(), " (move one with .to(device))");
}

inline void rank_at_least(const char* op, const Tensor& t, int64_t r, const char* arg) {
  WEFT_CHECK(t.dim() >= r, ShapeError, op, ": argument '", arg, "' is ", t.describe(), "; expected at least ", r,
             " dims");
}

inline void max_rank(const char* op, const Tensor& t) {
  WEFT_CHECK(t.dim() <= 16, ShapeError, op, ": tensors of more than 16 dims are not supported, got ", t.describe());
}

}  // namespace weft::opcheck
