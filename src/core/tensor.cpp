#include "weft/core/tensor.h"

#include <cstring>

#include "weft/backend/dispatch.h"

namespace weft {

TensorImpl& Tensor::impl() const {
  WEFT_CHECK(impl_ != nullptr, ValueError, "use of an undefined (empty) Tensor");
  return *impl_;
}

int64_t Tensor::size(int64_t d) const { return shape()[normalize_dim(d, dim(), "size")]; }

std::string Tensor::describe() const {
  if (!defined()) return "undefined";
  return std::string(dtype_name(dtype())) + shape_str(shape()) + " " + device().str();
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape)
    WEFT_CHECK(d >= 0, ShapeError, "empty: negative dimension in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  Backend& be = backend_for(device);
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(weft::numel(shape)) * dtype_size(dtype), device,
                                            be.allocator());
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor t = empty(shape, dtype, device);
  backend_for(device).fill(t, value);
  return t;
}
Tensor Tensor::zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor Tensor::ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor Tensor::scalar(double value, DType dtype, Device device) { return full({}, value, dtype, device); }

Tensor Tensor::arange(int64_t n, DType dtype, Device device) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<double>(i);
  return from_vector(v, {n}, device).to(dtype);
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape, Device device) {
  WEFT_CHECK(static_cast<int64_t>(values.size()) == weft::numel(shape), ShapeError, "from_vector: ", values.size(),
             " values do not fill shape ", shape_str(shape), " (", weft::numel(shape), " elements)");
  Tensor host = empty(shape, dtype_of<T>, Device::cpu());
  if (!values.empty()) std::memcpy(host.raw_data(), values.data(), values.size() * sizeof(T));
  return host.to(device);
}
template Tensor Tensor::from_vector<float>(const std::vector<float>&, const Shape&, Device);
template Tensor Tensor::from_vector<double>(const std::vector<double>&, const Shape&, Device);
template Tensor Tensor::from_vector<int32_t>(const std::vector<int32_t>&, const Shape&, Device);
template Tensor Tensor::from_vector<int64_t>(const std::vector<int64_t>&, const Shape&, Device);

static Tensor random_tensor(const Shape& shape, RandomKind kind, double a, double b, DType dtype, Generator* gen,
                            Device device) {
  Tensor t = Tensor::empty(shape, dtype, device);
  Generator& g = gen ? *gen : default_generator();
  backend_for(device).random(t, kind, a, b, g.draw(static_cast<uint64_t>(t.numel())));
  return t;
}
Tensor Tensor::uniform(const Shape& shape, double lo, double hi, DType dtype, Generator* gen, Device device) {
  return random_tensor(shape, RandomKind::uniform, lo, hi, dtype, gen, device);
}
Tensor Tensor::normal(const Shape& shape, double mean, double std, DType dtype, Generator* gen, Device device) {
  return random_tensor(shape, RandomKind::normal, mean, std, dtype, gen, device);
}
Tensor Tensor::bernoulli(const Shape& shape, double p, DType dtype, Generator* gen, Device device) {
  WEFT_CHECK(p >= 0.0 && p <= 1.0, ValueError, "bernoulli: probability ", p, " is outside [0, 1]");
  return random_tensor(shape, RandomKind::bernoulli, p, 0.0, dtype, gen, device);
}

Tensor Tensor::make_view(const Tensor& base, const Shape& shape, const Strides& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype();
  impl->device = base.device();
  return Tensor(std::move(impl));
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset * static_cast<int64_t>(dtype_size(dtype()));
}

template <typename T>
T* Tensor::data() const {
  WEFT_CHECK(dtype() == dtype_of<T>, DTypeError, "data<", dtype_name(dtype_of<T>), ">() called on a ", describe(),
             " tensor");
  // Host access only: a device pointer dereferenced on the host is a wild read.
  WEFT_CHECK(device().is_cpu(), DeviceError, "data<", dtype_name(dtype_of<T>), ">() called on a ", describe(),
             " tensor: host access needs a cpu tensor (use .to(Device::cpu()) first)");
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;
template int32_t* Tensor::data<int32_t>() const;
template int64_t* Tensor::data<int64_t>() const;

template <typename T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(Device::cpu()).to(dtype_of<T>);
  if (!host.is_contiguous()) host = host.clone();
  std::vector<T> out(static_cast<size_t>(host.numel()));
  if (!out.empty()) std::memcpy(out.data(), host.raw_data(), out.size() * sizeof(T));
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

double Tensor::item() const {
  WEFT_CHECK(numel() == 1, ShapeError, "item(): tensor ", describe(), " has ", numel(), " elements, expected 1");
  return to_vector<double>()[0];
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  backend_for(device()).copy(*this, out);
  return out;
}

Tensor Tensor::to(DType t) const {
  if (t == dtype()) return *this;
  Tensor out = empty(shape(), t, device());
  backend_for(device()).copy(*this, out);
  return out;
}

Tensor Tensor::to(Device d) const {
  if (d == device()) return *this;
  Tensor src = is_contiguous() ? *this : clone();
  Tensor out = empty(shape(), dtype(), d);
  // The non-CPU side performs host<->device transfers.
  backend_for(d.is_cpu() ? device() : d).copy(src, out);
  return out;
}

void Tensor::copy_(const Tensor& src) {
  WEFT_CHECK(src.shape() == shape(), ShapeError, "copy_: source ", src.describe(), " does not match destination ",
             describe());
  Tensor s = src.device() == device() ? src : src.to(device());
  backend_for(device()).copy(s, *this);
}

void Tensor::fill_(double value) { backend_for(device()).fill(*this, value); }

Tensor& Tensor::set_requires_grad(bool r) {
  WEFT_CHECK(!r || is_floating(dtype()), DTypeError, "requires_grad: only floating tensors can require gradients, got ",
             describe());
  WEFT_CHECK(!r || is_leaf(), AutogradError,
             "requires_grad: can only be set on a leaf tensor (this one was produced by an op; use detach())");
  impl().requires_grad = r;
  return *this;
}

Tensor Tensor::detach() const {
  Tensor t = make_view(*this, shape(), strides(), offset());
  return t;
}

}  // namespace weft
