// defines: TensorImpl, Tensor — the handle every layer above passes around.
//
// A Tensor is a cheap handle (shared_ptr) to storage + shape + strides + offset +
// dtype + device, plus the autograd fields (requires_grad, grad, grad_fn). Views
// (ops/shape_ops.h) share storage. Factory functions here never record autograd
// history; every differentiable computation goes through ops/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "weft/core/device.h"
#include "weft/core/dtype.h"
#include "weft/core/error.h"
#include "weft/core/rng.h"
#include "weft/core/shape.h"
#include "weft/core/storage.h"

namespace weft {

class Node;  // autograd/node.h
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::f32;
  Device device;
  // autograd
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<Node> grad_fn;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- factories (no autograd history) ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor ones(const Shape& shape, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor scalar(double value, DType dtype = DType::f32, Device device = Device::cpu());
  static Tensor arange(int64_t n, DType dtype = DType::i64, Device device = Device::cpu());
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape, Device device = Device::cpu());
  // Random draws from the counter-based generator (default_generator() if none given).
  static Tensor uniform(const Shape& shape, double lo, double hi, DType dtype = DType::f32,
                        Generator* gen = nullptr, Device device = Device::cpu());
  static Tensor normal(const Shape& shape, double mean, double std, DType dtype = DType::f32,
                       Generator* gen = nullptr, Device device = Device::cpu());
  static Tensor bernoulli(const Shape& shape, double p, DType dtype = DType::f32, Generator* gen = nullptr,
                          Device device = Device::cpu());
  // A view over existing storage (used by views and by checkpoint loading).
  static Tensor make_view(const Tensor& base, const Shape& shape, const Strides& strides, int64_t offset);

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Strides& strides() const { return impl().strides; }
  int64_t offset() const { return impl().offset; }
  int64_t dim() const { return static_cast<int64_t>(impl().shape.size()); }
  int64_t size(int64_t d) const;
  int64_t numel() const { return weft::numel(impl().shape); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return impl().device; }
  bool is_contiguous() const { return weft::is_contiguous(impl().shape, impl().strides); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype()); }
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  std::string describe() const;  // e.g. "f32[2, 3] cpu"

  // ---- host data access ----
  void* raw_data() const;  // pointer to element 0 (storage + offset), on the tensor's device
  template <typename T>
  T* data() const;  // checks dtype; cpu tensors only (DeviceError otherwise)
  double item() const;
  template <typename T>
  std::vector<T> to_vector() const;  // row-major copy to host, converting to T

  // ---- copies (no autograd history) ----
  Tensor clone() const;                // contiguous copy, same dtype/device
  Tensor to(DType dtype) const;        // converted copy (or *this when equal)
  Tensor to(Device device) const;      // copy to another device (or *this)
  void copy_(const Tensor& src);       // in-place, same shape; converts dtype
  void fill_(double value);            // in-place

  // ---- autograd ----
  // True for a leaf marked requires_grad and for any tensor with autograd history.
  bool requires_grad() const { return impl().requires_grad || impl().grad_fn != nullptr; }
  Tensor& set_requires_grad(bool r);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  Tensor grad() const { return Tensor(impl().grad); }
  void set_grad(const Tensor& g) { impl().grad = g.impl_; }
  void zero_grad() { impl().grad.reset(); }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  // Same storage and metadata, no history, requires_grad = false.
  Tensor detach() const;
  // Reverse-mode backward from this tensor (defined in autograd/tape.cpp).
  void backward(const Tensor& grad = Tensor(), bool retain_graph = false) const;

  TensorImpl& impl() const;
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace weft
