// defines: SgemmLibrary, SgemmPolicy, sgemm_route, sgemm_library — which library
// multiplies one f32 GEMM.
//
// oneDNN by default. On a CPU where oneDNN runs below AVX-512 (an AVX2 machine,
// or ONEDNN_MAX_CPU_ISA=AVX2), OpenBLAS's Haswell/Zen kernels are faster on the
// larger weight-gradient shapes (Aᵀ·B with a long contraction over the batch's
// rows), so those go to OpenBLAS (scripts/gemm_study.sh measures every shape of
// a step through both; the figures are in sgemm_route.cpp). The route depends on
// the shape and the CPU only, so results stay bit-identical for the same machine
// and thread count.
//
// WEFT_SGEMM=auto|onednn|openblas fixes the route for measuring (default auto).
#pragma once

#include <cstdint>

namespace weft::cpu {

enum class SgemmLibrary { onednn, openblas };
enum class SgemmPolicy { automatic, onednn, openblas };

// The rule itself: `avx512` says whether oneDNN's effective ISA has AVX-512.
SgemmLibrary sgemm_route(SgemmPolicy policy, bool avx512, bool ta, bool tb, int64_t M, int64_t N, int64_t K);

// Reads WEFT_SGEMM and oneDNN's effective ISA (once; later calls do nothing);
// throws std::invalid_argument on a bad WEFT_SGEMM. The CPU backend calls it when
// it is created, outside any parallel region, so a bad value is an error at the
// first op rather than a throw inside an attention tile's loop.
void load_sgemm_route();

// The rule for this process, with what load_sgemm_route read.
SgemmLibrary sgemm_library(bool ta, bool tb, int64_t M, int64_t N, int64_t K);

}  // namespace weft::cpu
