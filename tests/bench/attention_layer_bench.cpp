// Forward + backward of a whole attention layer (projections included), softmax
// vs cat_causal, over the sequence length: how each grows per doubling of T.
// Run through scripts/time_attention.sh.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include "weft/nn/attention_registry.h"
#include "weft/ops/ops.h"

using namespace weft;

namespace {

constexpr int64_t kHeads = 4, kHeadDim = 64;

void attention_fwd_bwd(benchmark::State& st, const char* attn_yaml) {
  const int64_t T = st.range(0), d = kHeads * kHeadDim;
  auto param = make_standard_parameterization({d, 1, kHeadDim});
  Generator init(1), drop(2), data(3);
  AttentionContext ac;
  ac.block.param = param.get();
  ac.block.shape = {d, 1, kHeadDim};
  ac.block.n_heads = kHeads;
  ac.block.seq_len = T;
  ac.block.init_gen = &init;
  ac.block.dropout_gen = &drop;
  auto layer = build_attention(ResolvedView(YAML::Load(attn_yaml)), ac);
  Tensor x = Tensor::normal({1, T, d}, 0, 1, DType::f32, &data).set_requires_grad(true);
  Tensor gy = Tensor::ones({1, T, d});
  for (auto _ : st) {
    layer->forward(x).backward(gy);
    layer->zero_grad();
    x.zero_grad();
  }
  st.counters["T"] = double(T);
}

void BM_attention_layer_softmax(benchmark::State& st) {
  attention_fwd_bwd(st, "{type: softmax}");
}
void BM_attention_layer_cat_causal(benchmark::State& st) {
  attention_fwd_bwd(st, "{type: cat_causal, z_cap: 10.0, zeta_dropout: 0.0, alter_every: 0}");
}

}  // namespace

BENCHMARK(BM_attention_layer_softmax)
    ->RangeMultiplier(2)
    ->Range(1024, 16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_attention_layer_cat_causal)
    ->RangeMultiplier(2)
    ->Range(1024, 16384)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
