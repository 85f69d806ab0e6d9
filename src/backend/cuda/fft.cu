// CUDA FFT kernels on cuFFT: rfft / irfft along the last dim and the FFT sequence
// convolution a [..., T] ⊛ v [..., T, D] with its backward. Channels are gathered
// into [R·D, L] rows (zero-padded to the transform length L) so one batched plan
// transforms them all; per-bin products and the cross-channel sum of ga are plain
// kernels with a fixed order (d ascending), so results are deterministic.
// The causal forward is a direct sum out_i = Σ_{k≤i} a_k v_{i−k} instead of an FFT:
// like the CPU's online product it is exactly causal (a zero-padded FFT leaks
// ~1e-7 of every future token into each output), at O(T²·D) work, which a GPU does
// at T ≤ 4096 in well under a millisecond per row.
#include "../fft_length.h"
#include "common.cuh"

namespace weft::cuda {

namespace {

template <typename T>
struct Cufft;

template <>
struct Cufft<float> {
  static constexpr cufftType r2c_type = CUFFT_R2C, c2r_type = CUFFT_C2R;
  static void r2c(cufftHandle p, float* in, float* out) {
    cufft_check(cufftExecR2C(p, in, reinterpret_cast<cufftComplex*>(out)), "cufftExecR2C");
  }
  static void c2r(cufftHandle p, float* in, float* out) {
    cufft_check(cufftExecC2R(p, reinterpret_cast<cufftComplex*>(in), out), "cufftExecC2R");
  }
};

template <>
struct Cufft<double> {
  static constexpr cufftType r2c_type = CUFFT_D2Z, c2r_type = CUFFT_Z2D;
  static void r2c(cufftHandle p, double* in, double* out) {
    cufft_check(cufftExecD2Z(p, in, reinterpret_cast<cufftDoubleComplex*>(out)), "cufftExecD2Z");
  }
  static void c2r(cufftHandle p, double* in, double* out) {
    cufft_check(cufftExecZ2D(p, reinterpret_cast<cufftDoubleComplex*>(in), out), "cufftExecZ2D");
  }
};

#define WEFT_GRID_LOOP(e, n) \
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < (n); e += int64_t(gridDim.x) * blockDim.x)

// Length-1 transforms are the identity on the real part; done here rather than
// relying on cuFFT accepting n = 1.
template <typename T>
__global__ void r2c_len1_kernel(const T* in, T* out, int64_t count) {
  WEFT_GRID_LOOP(r, count) {
    out[2 * r] = in[r];
    out[2 * r + 1] = T(0);
  }
}

template <typename T>
__global__ void c2r_len1_kernel(const T* in, T* out, int64_t count) {
  WEFT_GRID_LOOP(r, count) out[r] = in[2 * r];
}

// `count` real rows of length n → spectra [count, n/2+1, 2].
template <typename T>
void r2c_rows(CudaBackend& be, T* in, T* out, int64_t n, int64_t count) {
  if (n == 1) {
    r2c_len1_kernel<T><<<grid_for(count), kThreads, 0, be.stream()>>>(in, out, count);
    return launch_check("rfft (n = 1)");
  }
  Cufft<T>::r2c(be.fft_plan(Cufft<T>::r2c_type, n, count, n, n / 2 + 1), in, out);
}

// Spectra [count, n/2+1, 2] → real rows (unnormalised; overwrites `in`).
template <typename T>
void c2r_rows(CudaBackend& be, T* in, T* out, int64_t n, int64_t count) {
  if (n == 1) {
    c2r_len1_kernel<T><<<grid_for(count), kThreads, 0, be.stream()>>>(in, out, count);
    return launch_check("irfft (n = 1)");
  }
  Cufft<T>::c2r(be.fft_plan(Cufft<T>::c2r_type, n, count, n / 2 + 1, n), in, out);
}

// A real signal has real DC and Nyquist bins: drop their imaginary parts explicitly.
template <typename T>
__global__ void clear_imag_kernel(T* spec, int64_t R, int64_t F, bool even) {
  WEFT_GRID_LOOP(r, R) {
    spec[r * 2 * F + 1] = T(0);
    if (even) spec[r * 2 * F + 2 * (F - 1) + 1] = T(0);
  }
}

template <typename T>
__global__ void scale_kernel(T* x, int64_t n, T s) {
  WEFT_GRID_LOOP(e, n) x[e] *= s;
}

// buf[(r·D + d)·L + t] = t < T ? src[(r·T + t)·D + d] : 0   (D = 1: rows of a).
template <typename T>
__global__ void gather_kernel(const T* src, T* buf, int64_t R, int64_t Tn, int64_t D, int64_t L) {
  WEFT_GRID_LOOP(e, R * D * L) {
    const int64_t t = e % L, rd = e / L, d = rd % D, r = rd / D;
    buf[e] = t < Tn ? src[(r * Tn + t) * D + d] : T(0);
  }
}

// dst[(r·T + t)·D + d] = buf[(r·D + d)·L + t] · scale for t < T.
template <typename T>
__global__ void scatter_kernel(const T* buf, T* dst, int64_t R, int64_t Tn, int64_t D, int64_t L, T scale) {
  WEFT_GRID_LOOP(e, R * Tn * D) {
    const int64_t d = e % D, rt = e / D, t = rt % Tn, r = rt / Tn;
    dst[e] = buf[(r * D + d) * L + t] * scale;
  }
}

// x[(r·D + d), f] ← x · y[r, f] (conj_y: x · conj(y[r, f])).
template <typename T>
__global__ void cmul_kernel(T* x, const T* y, int64_t R, int64_t D, int64_t F, bool conj_y) {
  WEFT_GRID_LOOP(e, R * D * F) {
    const int64_t f = e % F, r = e / (D * F);
    const T s = conj_y ? T(-1) : T(1);
    const T xr = x[2 * e], xi = x[2 * e + 1], yr = y[2 * (r * F + f)], yi = s * y[2 * (r * F + f) + 1];
    x[2 * e] = xr * yr - xi * yi;
    x[2 * e + 1] = xr * yi + xi * yr;
  }
}

// ga_spec[r, f] = Σ_d conj(V[r, d, f]) · G[r, d, f], d ascending.
template <typename T>
__global__ void cross_spectrum_kernel(const T* vs, const T* gs, T* out, int64_t R, int64_t D, int64_t F) {
  WEFT_GRID_LOOP(e, R * F) {
    const int64_t f = e % F, r = e / F;
    T re = 0, im = 0;
    for (int64_t d = 0; d < D; ++d) {
      const int64_t k = 2 * ((r * D + d) * F + f);
      const T vr = vs[k], vi = vs[k + 1], gr = gs[k], gi = gs[k + 1];
      re += vr * gr + vi * gi;
      im += vr * gi - vi * gr;
    }
    out[2 * e] = re;
    out[2 * e + 1] = im;
  }
}

// Exactly causal direct convolution, k ascending.
template <typename T>
__global__ void causal_conv_kernel(const T* a, const T* v, T* out, int64_t R, int64_t Tn, int64_t D) {
  WEFT_GRID_LOOP(e, R * Tn * D) {
    const int64_t d = e % D, rt = e / D, i = rt % Tn, r = rt / Tn;
    const T* ar = a + r * Tn;
    const T* vr = v + r * Tn * D + d;
    T acc = 0;
    for (int64_t k = 0; k <= i; ++k) acc += ar[k] * vr[(i - k) * D];
    out[e] = acc;
  }
}

struct Dims {
  int64_t R = 0, T = 0, D = 0, L = 0, F = 0;
};

Dims conv_dims(const Tensor& a, const Tensor& v, bool causal, const char* op) {
  Dims c;
  WEFT_CHECK(a.dim() >= 1 && v.dim() == a.dim() + 1, ShapeError, op, ": expected a [..., T] and v [..., T, D], got ",
             a.describe(), " and ", v.describe());
  c.T = a.shape().back();
  c.D = v.shape().back();
  c.R = c.T ? a.numel() / c.T : 0;
  WEFT_CHECK(v.shape()[v.dim() - 2] == c.T && v.numel() == c.R * c.T * c.D, ShapeError, op,
             ": a and v must share the leading dims and T, got ", a.describe(), " and ", v.describe());
  c.L = causal ? causal_fft_length(c.T) : c.T;
  c.F = c.L / 2 + 1;
  return c;
}

}  // namespace

void CudaBackend::rfft(const Tensor& x, Tensor& out) {
  require_contiguous(x, "rfft", "x");
  require_contiguous(out, "rfft", "out");
  stream();
  dispatch_floating(x.dtype(), "rfft", [&](auto tag) {
    using T = decltype(tag);
    const int64_t n = x.shape().empty() ? 1 : x.shape().back();
    if (n == 0 || x.numel() == 0) return;
    const int64_t R = x.numel() / n, F = n / 2 + 1;
    WEFT_CHECK(out.numel() == R * F * 2, ShapeError, "rfft: out ", out.describe(), " must be [..., ", F,
               ", 2] for x ", x.describe());
    r2c_rows<T>(*this, dptr<T>(x), dptr<T>(out), n, R);  // out-of-place r2c leaves x intact
  });
}

void CudaBackend::irfft(const Tensor& x, int64_t n, Tensor& out) {
  require_contiguous(x, "irfft", "x");
  require_contiguous(out, "irfft", "out");
  cudaStream_t s = stream();
  dispatch_floating(x.dtype(), "irfft", [&](auto tag) {
    using T = decltype(tag);
    if (n <= 0 || out.numel() == 0) return;
    const int64_t F = n / 2 + 1, R = out.numel() / n;
    WEFT_CHECK(x.numel() == R * F * 2 && out.numel() == R * n, ShapeError, "irfft: x ", x.describe(),
               " must be [..., ", F, ", 2] for ", n, " output samples, out ", out.describe());
    Tensor spec = x.clone();  // c2r overwrites its input, and x must survive
    clear_imag_kernel<T><<<grid_for(R), kThreads, 0, s>>>(dptr<T>(spec), R, F, n % 2 == 0);
    launch_check("irfft");
    c2r_rows<T>(*this, dptr<T>(spec), dptr<T>(out), n, R);
    scale_kernel<T><<<grid_for(R * n), kThreads, 0, s>>>(dptr<T>(out), R * n, T(1) / static_cast<T>(n));
    launch_check("irfft");
  });
}

void CudaBackend::fft_conv(const Tensor& a, const Tensor& v, bool causal, Tensor& out) {
  require_contiguous(a, "fft_conv", "a");
  require_contiguous(v, "fft_conv", "v");
  require_contiguous(out, "fft_conv", "out");
  cudaStream_t s = stream();
  dispatch_floating(v.dtype(), "fft_conv", [&](auto tag) {
    using T = decltype(tag);
    const Dims c = conv_dims(a, v, causal, "fft_conv");
    WEFT_CHECK(out.numel() == v.numel(), ShapeError, "fft_conv: out ", out.describe(), " must match v ",
               v.describe());
    if (c.R == 0 || c.D == 0) return;
    const int64_t n = c.R * c.T * c.D;
    if (causal) {
      causal_conv_kernel<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(a), dptr<T>(v), dptr<T>(out), c.R, c.T, c.D);
      launch_check("fft_conv (causal)");
      return;
    }
    const DType dt = v.dtype();
    Tensor aspec = Tensor::empty(Shape{c.R, c.F, 2}, dt, device());
    r2c_rows<T>(*this, dptr<T>(a), dptr<T>(aspec), c.L, c.R);
    Tensor buf = Tensor::empty(Shape{c.R * c.D, c.L}, dt, device());
    Tensor spec = Tensor::empty(Shape{c.R * c.D, c.F, 2}, dt, device());
    gather_kernel<T><<<grid_for(c.R * c.D * c.L), kThreads, 0, s>>>(dptr<T>(v), dptr<T>(buf), c.R, c.T, c.D, c.L);
    launch_check("fft_conv (gather)");
    r2c_rows<T>(*this, dptr<T>(buf), dptr<T>(spec), c.L, c.R * c.D);
    cmul_kernel<T><<<grid_for(c.R * c.D * c.F), kThreads, 0, s>>>(dptr<T>(spec), dptr<T>(aspec), c.R, c.D, c.F,
                                                                  false);
    launch_check("fft_conv (product)");
    c2r_rows<T>(*this, dptr<T>(spec), dptr<T>(buf), c.L, c.R * c.D);
    scatter_kernel<T><<<grid_for(n), kThreads, 0, s>>>(dptr<T>(buf), dptr<T>(out), c.R, c.T, c.D, c.L,
                                                       T(1) / static_cast<T>(c.L));
    launch_check("fft_conv (scatter)");
  });
}

// As on the CPU: GV_d = conj(A)·G_d, GA = Σ_d conj(V_d)·G_d, each inverse (1/L)·c2r
// keeping the first T samples; causal pads to L ≥ 2T−1 so the truncated sums are exact.
void CudaBackend::fft_conv_backward(const Tensor& a, const Tensor& v, const Tensor& gout, bool causal, Tensor& ga,
                                    Tensor& gv) {
  require_contiguous(a, "fft_conv_backward", "a");
  require_contiguous(v, "fft_conv_backward", "v");
  require_contiguous(gout, "fft_conv_backward", "gout");
  require_contiguous(ga, "fft_conv_backward", "ga");
  require_contiguous(gv, "fft_conv_backward", "gv");
  cudaStream_t s = stream();
  dispatch_floating(v.dtype(), "fft_conv_backward", [&](auto tag) {
    using T = decltype(tag);
    const Dims c = conv_dims(a, v, causal, "fft_conv_backward");
    WEFT_CHECK(gout.numel() == v.numel() && gv.numel() == v.numel() && ga.numel() == a.numel(), ShapeError,
               "fft_conv_backward: gout ", gout.describe(), " and gv ", gv.describe(), " must match v ",
               v.describe(), ", ga ", ga.describe(), " must match a ", a.describe());
    if (c.R == 0) return;
    if (c.D == 0) {  // no channels: nothing flows back to a
      fill(ga, 0.0);
      return;
    }
    const DType dt = v.dtype();
    const T scale = T(1) / static_cast<T>(c.L);
    Tensor abuf = Tensor::empty(Shape{c.R, c.L}, dt, device());
    Tensor aspec = Tensor::empty(Shape{c.R, c.F, 2}, dt, device());
    gather_kernel<T><<<grid_for(c.R * c.L), kThreads, 0, s>>>(dptr<T>(a), dptr<T>(abuf), c.R, c.T, 1, c.L);
    launch_check("fft_conv_backward (gather a)");
    r2c_rows<T>(*this, dptr<T>(abuf), dptr<T>(aspec), c.L, c.R);

    Tensor vbuf = Tensor::empty(Shape{c.R * c.D, c.L}, dt, device()), gbuf = Tensor::empty(Shape{c.R * c.D, c.L}, dt, device());
    Tensor vspec = Tensor::empty(Shape{c.R * c.D, c.F, 2}, dt, device());
    Tensor gspec = Tensor::empty(Shape{c.R * c.D, c.F, 2}, dt, device());
    const unsigned gb = grid_for(c.R * c.D * c.L);
    gather_kernel<T><<<gb, kThreads, 0, s>>>(dptr<T>(v), dptr<T>(vbuf), c.R, c.T, c.D, c.L);
    gather_kernel<T><<<gb, kThreads, 0, s>>>(dptr<T>(gout), dptr<T>(gbuf), c.R, c.T, c.D, c.L);
    launch_check("fft_conv_backward (gather)");
    r2c_rows<T>(*this, dptr<T>(vbuf), dptr<T>(vspec), c.L, c.R * c.D);
    r2c_rows<T>(*this, dptr<T>(gbuf), dptr<T>(gspec), c.L, c.R * c.D);

    // GA first (it reads G before the product below overwrites it).
    Tensor gaspec = Tensor::empty(Shape{c.R, c.F, 2}, dt, device());
    cross_spectrum_kernel<T><<<grid_for(c.R * c.F), kThreads, 0, s>>>(dptr<T>(vspec), dptr<T>(gspec),
                                                                      dptr<T>(gaspec), c.R, c.D, c.F);
    launch_check("fft_conv_backward (cross spectrum)");
    c2r_rows<T>(*this, dptr<T>(gaspec), dptr<T>(abuf), c.L, c.R);
    scatter_kernel<T><<<grid_for(c.R * c.T), kThreads, 0, s>>>(dptr<T>(abuf), dptr<T>(ga), c.R, c.T, 1, c.L, scale);
    launch_check("fft_conv_backward (ga)");

    cmul_kernel<T><<<grid_for(c.R * c.D * c.F), kThreads, 0, s>>>(dptr<T>(gspec), dptr<T>(aspec), c.R, c.D, c.F,
                                                                  true);
    launch_check("fft_conv_backward (product)");
    c2r_rows<T>(*this, dptr<T>(gspec), dptr<T>(gbuf), c.L, c.R * c.D);
    scatter_kernel<T><<<grid_for(c.R * c.T * c.D), kThreads, 0, s>>>(dptr<T>(gbuf), dptr<T>(gv), c.R, c.T, c.D, c.L,
                                                                     scale);
    launch_check("fft_conv_backward (gv)");
  });
}

}  // namespace weft::cuda
