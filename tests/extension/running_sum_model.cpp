// A user's own task, part 2: a model type in its own file, registered with one
// line, built from weft's BlockStack of registered blocks (so
// `model.block.type` swaps the block, LayerDrop included).
//
// `model.type: running_sum_model`: each input x_t ∈ R^input_dim is projected to
// d_model, plus a learned position embedding, through the stack, a final
// LayerNorm and a linear head to one number ŷ_t; the loss is the mean of
// (ŷ_t − y_t)² over the batch (the data's "inputs" and "targets").
#include "weft/nn/block_stack.h"
#include "weft/nn/blocks/pre_ln.h"
#include "weft/nn/layers/embedding.h"
#include "weft/nn/layers/linear.h"
#include "weft/nn/model.h"
#include "weft/nn/registry.h"
#include "weft/ops/ops.h"
#include "weft/param/registry.h"

namespace {

using weft::Tensor;

class RunningSumModel : public weft::Model {
 public:
  static weft::Schema schema() {
    weft::Schema s;
    s.add_int("d_model", 32).range(1, 4096).help("width");
    s.add_int("n_layers", 2).range(1, 64).help("blocks");
    s.add_int("n_heads", 2).range(1, 64).help("attention heads");
    s.add_int("seq_len", 16).range(1, 4096).help("sequence length");
    s.add_polymorphic("block", weft::LayerRegistry::get("block").catalog(), "pre_ln").help("block type");
    return s;
  }
  static std::shared_ptr<weft::Model> create(const weft::ModelArgs& a) {
    return std::make_shared<RunningSumModel>(a);
  }

  explicit RunningSumModel(const weft::ModelArgs& a)
      : seq_len_(a.model.get<int64_t>("seq_len")), dropout_gen_(a.seed ^ 0x5A5A), init_(a.seed) {
    const int64_t d = a.model.get<int64_t>("d_model"), in = weft::data_int(a.data, "input_dim", "running_sum_model");
    weft::BlockStackConfig c;
    c.d_model = d;
    c.n_layers = a.model.get<int64_t>("n_layers");
    c.n_heads = a.model.get<int64_t>("n_heads");
    c.seq_len = seq_len_;
    param_ = weft::build_parameterization(a.param, {d, c.n_layers, d / c.n_heads});
    in_ = register_module("in_proj", std::make_shared<weft::Linear>(in, d, *param_, init_));
    pos_ = register_module("pos_emb", std::make_shared<weft::Embedding>(seq_len_, d, *param_, init_));
    const weft::ResolvedView block = a.model.at("block");
    stack_ = register_module("blocks", std::make_shared<weft::BlockStack>(c, param_, weft::registered_block_builder(block),
                                                                          init_, &dropout_gen_, a.seed,
                                                                          block.get<std::string>("type")));
    ln_ = register_module("ln_f", weft::make_norm("layernorm", d, 1e-5));
    head_ = register_module("head", std::make_shared<weft::Linear>(d, 1, *param_, init_,
                                                                   weft::LinearOptions{true, false, weft::ParamRole::output}));
  }

  // The batch is on the model's device already (Model::loss moved it).
  Tensor compute_loss(const weft::Batch& b) override {
    const Tensor& x = b.at("inputs");
    const int64_t B = x.size(0), T = x.size(1);
    Tensor h = weft::add(in_->forward(x), pos_->forward(Tensor::arange(T, weft::DType::i64, x.device())));
    h = weft::apply_norm(*ln_, stack_->forward(h, step(), activation_probe()));
    Tensor err = weft::sub(weft::reshape(head_->forward(h), {B, T}), b.at("targets"));
    return weft::mean(weft::mul(err, err));
  }
  int64_t context_length() const override { return seq_len_; }
  double flops_per_unit() const override { return 6.0 * double(num_parameters()); }
  weft::Generator& dropout_generator() override { return dropout_gen_; }
  const weft::Parameterization& parameterization() const override { return *param_; }
  std::vector<weft::StackSummary> stacks() const override { return {stack_->summary()}; }
  int64_t num_blocks() const override { return stack_->size(); }
  void set_kept_blocks(const std::vector<int64_t>& keep) override { stack_->set_kept_blocks(keep); }

 private:
  int64_t seq_len_;
  weft::Generator dropout_gen_, init_;
  std::shared_ptr<weft::Parameterization> param_;
  std::shared_ptr<weft::Linear> in_, head_;
  std::shared_ptr<weft::Embedding> pos_;
  std::shared_ptr<weft::BlockStack> stack_;
  std::shared_ptr<weft::Module> ln_;
};

}  // namespace

WEFT_REGISTER_MODEL("running_sum_model", RunningSumModel, "predicts running sums from noisy inputs (a user's task)");
