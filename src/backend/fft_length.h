// defines: causal_fft_length — the zero-padded transform length of the causal FFT
// convolution, shared by the CPU and CUDA backends so both pad identically.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>

namespace weft {

// The smallest even 2^a·3^b·5^c·7^d ≥ 2T−1, so a circular convolution of that length
// never wraps into the first T outputs. Even, because an odd-length r2c cannot use
// the half-length complex transform and measured ~3× slower per element (FFTW).
inline int64_t causal_fft_length(int64_t T) {
  for (int64_t L = std::max<int64_t>(2, 2 * T - 1);; ++L) {
    if (L % 2) continue;
    int64_t m = L;
    for (int64_t p : {2, 3, 5, 7})
      while (m % p == 0) m /= p;
    if (m == 1) return L;
  }
}

}  // namespace weft
