// defines: rfft, irfft (complex values as a trailing [.., 2] of (re, im)), and the
// differentiable sequence convolutions circular_conv and causal_conv used by CAT
// attention (the CAT paper).
#pragma once

#include "weft/core/tensor.h"

namespace weft {

// Real FFT along `dim` (unnormalised): dim of size n becomes n/2+1 and a trailing
// dim of 2 (re, im) is appended.
Tensor rfft(const Tensor& x, int64_t dim = -1);
// Inverse of rfft: x has the frequency axis at `dim` (counted without the trailing
// complex dim) and a trailing dim of 2; returns n real samples along dim (scaled by 1/n).
Tensor irfft(const Tensor& x, int64_t n, int64_t dim = -1);
// a [..., T], v [..., T, D] → out [..., T, D], out_i = Σ_j a_{(i−j) mod T} v_j  (via FFT).
Tensor circular_conv(const Tensor& a, const Tensor& v);
// a [..., T], v [..., T, D] → out_i = Σ_{k=0}^{i} a_k v_{i−k}, exactly causal: the forward
// (an online FFT product, O(T log² T)) never reads a_j or v_j for j > i when it writes
// out_i, so later inputs leave earlier outputs bitwise unchanged; the backward is one
// zero-padded FFT (O(T log T)).
Tensor causal_conv(const Tensor& a, const Tensor& v);

}  // namespace weft
