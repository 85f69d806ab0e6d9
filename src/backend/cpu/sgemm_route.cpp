#include "sgemm_route.h"

#include <oneapi/dnnl/dnnl.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace weft::cpu {

SgemmLibrary sgemm_route(SgemmPolicy policy, bool avx512, bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  switch (policy) {
    case SgemmPolicy::onednn: return SgemmLibrary::onednn;
    case SgemmPolicy::openblas: return SgemmLibrary::openblas;
    case SgemmPolicy::automatic: break;
  }
  if (avx512) return SgemmLibrary::onednn;
  // Below AVX-512: OpenBLAS for the weight gradients xᵀ·g (Aᵀ·B over the B·T rows
  // of a batch) with an output of at least 256×256. On the recipes/bench shapes at
  // 2 threads (scripts/gemm_study.sh --isa avx2) OpenBLAS needs 0.61-0.87× oneDNN's
  // time there (1024×256×2048: 28.8 vs 47.2 ms per step; 512×512×2048: 34.2 vs
  // 48.6), while oneDNN stays ahead on the smaller outputs (128×128×2048: 1.45 vs
  // 1.75 ms), on the Aᵀ·B tiles of attention and on the forward and dx products.
  const bool weight_gradient = ta && !tb && K >= 1024 && M * N >= 256 * 256;
  return weight_gradient ? SgemmLibrary::openblas : SgemmLibrary::onednn;
}

namespace {

struct RouteConfig {
  SgemmPolicy policy = SgemmPolicy::automatic;
  bool avx512 = true;
};

RouteConfig read_config() {
  RouteConfig c;
  if (const char* e = std::getenv("WEFT_SGEMM"); e != nullptr && *e != '\0') {
    const std::string v = e;
    if (v == "auto") c.policy = SgemmPolicy::automatic;
    else if (v == "onednn") c.policy = SgemmPolicy::onednn;
    else if (v == "openblas") c.policy = SgemmPolicy::openblas;
    else throw std::invalid_argument("WEFT_SGEMM='" + v + "': expected auto, onednn or openblas");
  }
  const unsigned isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa());
  c.avx512 = (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
  return c;
}

const RouteConfig& route_config() {
  static const RouteConfig config = read_config();
  return config;
}

}  // namespace

void load_sgemm_route() { (void)route_config(); }

SgemmLibrary sgemm_library(bool ta, bool tb, int64_t M, int64_t N, int64_t K) {
  const RouteConfig& c = route_config();
  return sgemm_route(c.policy, c.avx512, ta, tb, M, N, K);
}

}  // namespace weft::cpu
