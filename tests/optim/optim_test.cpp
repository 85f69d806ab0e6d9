// Optimizers, schedules and clipping against values computed here with plain
// double loops, plus golden numbers from torch.optim.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

#include "../support/test_util.h"
#include "weft/ops/ops.h"
#include "weft/optim/adamw.h"
#include "weft/optim/clip.h"
#include "weft/optim/schedule.h"
#include "weft/optim/sgd.h"

using namespace weft;

namespace {

std::unique_ptr<Parameter> make_param(const std::vector<double>& v, ParamRole role, DType dt = DType::f64,
                                      Shape shape = {}) {
  auto p = std::make_unique<Parameter>();
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  p->tensor = Tensor::from_vector(v, shape).to(dt);
  p->tensor.set_requires_grad(true);
  p->role = role;
  return p;
}

void set_grad(Parameter& p, const std::vector<double>& g) {
  p.tensor.set_grad(Tensor::from_vector(g, p.tensor.shape()).to(p.tensor.dtype()));
}

// AdamW as documented in adamw.h, one parameter, in double.
struct RefAdamW {
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8, wd = 0.1;
  std::vector<double> m, v;
  int t = 0;
  void step(std::vector<double>& p, const std::vector<double>& g, double lr) {
    if (m.empty()) m.assign(p.size(), 0.0), v.assign(p.size(), 0.0);
    ++t;
    const double bc1 = 1 - std::pow(beta1, t), bc2 = 1 - std::pow(beta2, t);
    for (size_t i = 0; i < p.size(); ++i) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      p[i] -= lr * ((m[i] / bc1) / (std::sqrt(v[i]) / std::sqrt(bc2) + eps) + wd * p[i]);
    }
  }
};

// torch.optim.SGD with dampening 0, one parameter, in double.
struct RefSGD {
  double momentum = 0, wd = 0;
  bool nesterov = false;
  std::vector<double> buf;
  void step(std::vector<double>& p, const std::vector<double>& g, double lr) {
    if (buf.empty()) buf.assign(p.size(), 0.0);
    for (size_t i = 0; i < p.size(); ++i) {
      double d = g[i] + wd * p[i];
      if (momentum > 0) {
        buf[i] = momentum * buf[i] + d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
};

const std::vector<std::vector<double>> kGrads{{0.1, -0.2, 0.3, 0.0}, {-0.05, 0.4, 0.1, 0.2}, {0.3, 0.3, -0.6, -0.1}};

}  // namespace

TEST_SUITE("optim") {
  TEST_CASE("AdamW matches a double-precision reference over three steps") {
    auto w = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight);
    auto g = make_param({1.0, 0.5, 2.0}, ParamRole::norm_gain);
    AdamW opt({{"w", w.get()}, {"g", g.get()}});
    RefAdamW rw, rg;
    rg.wd = 0;  // norm gains do not decay by default
    std::vector<double> pw{0.5, -1.0, 2.0, -0.25}, pg{1.0, 0.5, 2.0};
    const std::vector<std::vector<double>> ggrads{{0.3, -0.1, 0.0}, {0.2, 0.2, -0.4}, {-0.1, 0.05, 0.6}};
    const double lrs[] = {1e-2, 5e-3, 2e-2};
    for (int s = 0; s < 3; ++s) {
      set_grad(*w, kGrads[s]);
      set_grad(*g, ggrads[s]);
      opt.step(lrs[s]);
      rw.step(pw, kGrads[s], lrs[s]);
      rg.step(pg, ggrads[s], lrs[s]);
      test::check_values(w->tensor, pw, 1e-14);
      test::check_values(g->tensor, pg, 1e-14);
    }
    CHECK(opt.step_count() == 3);
    auto st = opt.state_tensors();
    REQUIRE(st.size() == 4);
    CHECK(st[0].first == "adamw.exp_avg.w");
    CHECK(st[1].first == "adamw.exp_avg.g");
    CHECK(st[2].first == "adamw.exp_avg_sq.w");
    CHECK(st[3].first == "adamw.exp_avg_sq.g");
    test::check_values(st[0].second, rw.m, 1e-14);
    test::check_values(st[2].second, rw.v, 1e-14);
  }

  TEST_CASE("AdamW matches torch.optim.AdamW golden values") {
    // Produced with PyTorch 1.13.1 (Debian python3-torch), float64:
    //   p = torch.tensor([0.5, -1.0, 2.0, -0.25], dtype=torch.float64, requires_grad=True)
    //   opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1)
    //   for g in kGrads: p.grad = torch.tensor(g, dtype=torch.float64); opt.step()
    // printing p after each step and the final exp_avg / exp_avg_sq with repr().
    const std::vector<std::vector<double>> golden{
        {0.4895000009999999, -0.9890000004999999, 1.9880000003333334, -0.24975},
        {0.4863268068602668, -0.9916447398902383, 1.9772123842788147, -0.25684984950987844},
        {0.47926444964867165, -0.9965384461637206, 1.9777137291883014, -0.2588686884519737}};
    auto p = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight);
    AdamW opt({{"p", p.get()}}, AdamWOptions{0.9, 0.95, 1e-8, 0.1});
    for (int s = 0; s < 3; ++s) {
      set_grad(*p, kGrads[s]);
      opt.step(1e-2);
      test::check_values(p->tensor, golden[s], 1e-13);
    }
    auto st = opt.state_tensors();
    test::check_values(st[0].second, {0.03359999999999999, 0.04979999999999999, -0.026699999999999988, 0.008}, 1e-13);
    test::check_values(st[1].second, {0.005070000000000004, 0.013905000000000013, 0.022536250000000018, 0.002400000000000002}, 1e-13);

    SUBCASE("the f32 path agrees to single precision") {
      auto q = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight, DType::f32);
      AdamW o32({{"q", q.get()}});
      for (int s = 0; s < 3; ++s) {
        set_grad(*q, kGrads[s]);
        o32.step(1e-2);
      }
      CHECK(q->tensor.dtype() == DType::f32);
      CHECK(o32.state_tensors()[0].second.dtype() == DType::f32);
      test::check_values(q->tensor, golden[2], 1e-6);
    }
  }

  TEST_CASE("by default only hidden_weight and output parameters decay") {
    CHECK(role_decays_by_default(ParamRole::hidden_weight));
    CHECK(role_decays_by_default(ParamRole::output));
    for (ParamRole r : {ParamRole::embedding, ParamRole::hidden_bias, ParamRole::norm_gain, ParamRole::norm_bias,
                        ParamRole::gain})
      CHECK_FALSE(role_decays_by_default(r));

    const std::vector<ParamRole> roles{ParamRole::embedding, ParamRole::hidden_weight, ParamRole::hidden_bias,
                                       ParamRole::norm_gain,  ParamRole::norm_bias,     ParamRole::gain,
                                       ParamRole::output};
    for (bool decay_all : {false, true}) {
      std::vector<std::unique_ptr<Parameter>> ps;
      NamedParameters named;
      for (ParamRole r : roles) {
        ps.push_back(make_param({2.0, -4.0}, r));
        named.emplace_back(std::string(role_name(r)), ps.back().get());
      }
      AdamWOptions o;
      o.weight_decay = 0.5;
      o.decay_all_roles = decay_all;
      AdamW opt(named, o);
      // Zero gradients: the Adam term is 0 / (0 + eps) = 0, so only decay moves p.
      for (auto& p : ps) set_grad(*p, {0.0, 0.0});
      opt.step(0.1);
      for (size_t i = 0; i < roles.size(); ++i) {
        const bool decays = decay_all || role_decays_by_default(roles[i]);
        CAPTURE(role_name(roles[i]));
        CHECK(opt.effective_wd_mult(i) == (decays ? 1.0 : 0.0));
        const double f = decays ? 1 - 0.1 * 0.5 : 1.0;
        test::check_values(ps[i]->tensor, {2.0 * f, -4.0 * f}, 1e-15);
      }
      CHECK(ps[2]->wd_mult == 1.0);  // the mask never rewrites the Parameter's own multiplier
    }
  }

  TEST_CASE("lr_mult, wd_mult and eps_mult are honoured per parameter") {
    auto a = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight);
    auto b = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::output);
    b->lr_mult = 2.0;
    b->wd_mult = 0.25;
    b->eps_mult = 1e6;  // eps 1e-2: large enough to change the result visibly
    AdamW opt({{"a", a.get()}, {"b", b.get()}});
    RefAdamW ra, rb;
    rb.wd = 0.1 * 0.25;
    rb.eps = 1e-8 * 1e6;
    std::vector<double> pa{0.5, -1.0, 2.0, -0.25}, pb = pa;
    for (int s = 0; s < 3; ++s) {
      set_grad(*a, kGrads[s]);
      set_grad(*b, kGrads[s]);
      opt.step(1e-2);
      ra.step(pa, kGrads[s], 1e-2);
      rb.step(pb, kGrads[s], 2e-2);
    }
    test::check_values(a->tensor, pa, 1e-14);
    test::check_values(b->tensor, pb, 1e-14);
    CHECK(test::max_abs_diff(a->tensor, b->tensor) > 1e-3);

    SUBCASE("SGD too") {
      auto c = make_param({1.0, 2.0}, ParamRole::hidden_weight);
      c->lr_mult = 3.0;
      c->wd_mult = 0.5;
      SGD sgd({{"c", c.get()}}, SGDOptions{0.0, 0.2, false, false});
      set_grad(*c, {0.1, -0.1});
      sgd.step(0.1);
      // d = g + 0.2·0.5·p; p −= 0.3·d
      test::check_values(c->tensor, {1.0 - 0.3 * (0.1 + 0.1 * 1.0), 2.0 - 0.3 * (-0.1 + 0.1 * 2.0)}, 1e-15);
    }
  }

  TEST_CASE("parameters without a gradient are skipped; zero_grad drops gradients") {
    auto a = make_param({1.0, 2.0}, ParamRole::hidden_weight);
    auto b = make_param({3.0, 4.0}, ParamRole::hidden_weight);
    AdamW opt({{"a", a.get()}, {"b", b.get()}});
    set_grad(*a, {0.5, 0.5});
    set_grad(*b, {0.5, 0.5});
    opt.zero_grad();
    CHECK_FALSE(a->tensor.grad().defined());
    CHECK_FALSE(b->tensor.grad().defined());
    set_grad(*a, {0.5, 0.5});
    opt.step(0.1);
    CHECK(b->tensor.to_vector<double>() == std::vector<double>{3.0, 4.0});  // no update, no decay
    auto st = opt.state_tensors();
    CHECK(st[1].second.to_vector<double>() == std::vector<double>{0.0, 0.0});  // adamw.exp_avg.b untouched
    CHECK(a->tensor.to_vector<double>()[0] != 1.0);
    CHECK(opt.step_count() == 1);
  }

  TEST_CASE("step() after several accumulated backward() calls uses the summed gradient") {
    auto w = make_param({0.5, -1.0, 2.0}, ParamRole::hidden_weight);
    auto twin = make_param({0.5, -1.0, 2.0}, ParamRole::hidden_weight);
    const Tensor x1 = Tensor::from_vector<double>({0.25, 1.0, -0.5}, {3});
    const Tensor x2 = Tensor::from_vector<double>({0.5, -2.0, 0.125}, {3});
    for (const Tensor& x : {x1, x2}) sum(mul(w->tensor, x)).backward();  // d/dw Σ w·x = x, twice
    CHECK(w->tensor.grad().to_vector<double>() == std::vector<double>{0.75, -1.0, -0.375});
    set_grad(*twin, {0.75, -1.0, -0.375});
    AdamW o1({{"w", w.get()}}), o2({{"w", twin.get()}});
    o1.step(1e-2);
    o2.step(1e-2);
    CHECK(test::bitwise_equal(w->tensor, twin->tensor));
  }

  TEST_CASE("SGD: plain, momentum and Nesterov match the reference") {
    for (int variant = 0; variant < 3; ++variant) {
      CAPTURE(variant);
      SGDOptions o;
      o.momentum = variant == 0 ? 0.0 : 0.9;
      o.nesterov = variant == 2;
      o.weight_decay = 0.01;
      RefSGD ref;
      ref.momentum = o.momentum;
      ref.nesterov = o.nesterov;
      ref.wd = o.weight_decay;
      auto p = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight);
      SGD sgd({{"p", p.get()}}, o);
      std::vector<double> pr{0.5, -1.0, 2.0, -0.25};
      for (int s = 0; s < 3; ++s) {
        set_grad(*p, kGrads[s]);
        sgd.step(0.1);
        ref.step(pr, kGrads[s], 0.1);
        test::check_values(p->tensor, pr, 1e-15);
      }
      CHECK(sgd.state_tensors().size() == (variant == 0 ? 0u : 1u));
    }
    SUBCASE("torch.optim.SGD golden values") {
      // torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), float64,
      // same p and kGrads as the AdamW golden test (PyTorch 1.13.1).
      const std::vector<std::vector<double>> golden{
          {0.48005, -0.9601, 1.9392, -0.249525},
          {0.480132905, -1.01726581, 1.89059552, -0.2868484025},
          {0.4182273119805, -1.088646323961, 1.9680046365119999, -0.28311902528525}};
      auto p = make_param({0.5, -1.0, 2.0, -0.25}, ParamRole::hidden_weight);
      SGD sgd({{"p", p.get()}}, SGDOptions{0.9, 0.01, true, false});
      for (int s = 0; s < 3; ++s) {
        set_grad(*p, kGrads[s]);
        sgd.step(0.1);
        test::check_values(p->tensor, golden[s], 1e-14);
      }
    }
  }

  TEST_CASE("schedules at warm-up, middle and end") {
    ScheduleOptions o;
    o.warmup = 10;
    o.total_steps = 110;
    o.min_lr_ratio = 0.1;
    auto lr = [&](const char* type, int64_t s) {
      o.type = type;
      return schedule_lr(2.0, s, o);
    };
    for (const char* type : {"constant", "cosine", "linear", "wsd"}) {
      CAPTURE(type);
      CHECK(lr(type, 0) == 0.0);  // linear warm-up from 0
      CHECK(lr(type, 5) == doctest::Approx(1.0));
      CHECK(lr(type, 10) == doctest::Approx(2.0));  // the end of warm-up is the base rate
    }
    CHECK(lr("constant", 60) == 2.0);
    CHECK(lr("constant", 100000) == 2.0);
    CHECK(lr("cosine", 60) == doctest::Approx(0.2 + 1.8 * 0.5));
    CHECK(lr("cosine", 35) == doctest::Approx(0.2 + 1.8 * 0.5 * (1 + std::cos(std::numbers::pi * 0.25))));
    CHECK(lr("cosine", 110) == doctest::Approx(0.2));
    CHECK(lr("cosine", 500) == doctest::Approx(0.2));
    CHECK(lr("linear", 35) == doctest::Approx(2.0 - 1.8 * 0.25));
    CHECK(lr("linear", 60) == doctest::Approx(1.1));
    CHECK(lr("linear", 110) == doctest::Approx(0.2));
    // wsd: decay over the last floor(0.2·110) = 22 steps, from step 88.
    CHECK(lr("wsd", 60) == 2.0);
    CHECK(lr("wsd", 88) == 2.0);
    CHECK(lr("wsd", 99) == doctest::Approx(2.0 - 1.8 * 0.5));
    CHECK(lr("wsd", 110) == doctest::Approx(0.2));
    CHECK(lr("wsd", 200) == doctest::Approx(0.2));

    ScheduleOptions c;
    c.type = "constant";  // needs no total_steps
    CHECK(schedule_lr(3.0, 7, c) == 3.0);

    ScheduleOptions bad = o;
    bad.type = "cosin";
    CHECK_THROWS_WITH_AS(schedule_lr(1.0, 0, bad), doctest::Contains("'cosin'"), ValueError);
    bad = o;
    bad.warmup = 200;
    CHECK_THROWS_AS(schedule_lr(1.0, 0, bad), ValueError);
    bad = o;
    bad.min_lr_ratio = 1.5;
    CHECK_THROWS_AS(validate_schedule(bad), ValueError);
    bad = o;
    bad.total_steps = 0;
    CHECK_THROWS_WITH_AS(validate_schedule(bad), doctest::Contains("total_steps"), ValueError);
    CHECK_THROWS_AS(schedule_lr(1.0, -1, o), ValueError);
  }

  TEST_CASE("clip_grad_norm returns the global norm and scales gradients") {
    auto a = make_param({1.0, 1.0}, ParamRole::hidden_weight);
    auto b = make_param({1.0}, ParamRole::norm_gain, DType::f32);
    auto none = make_param({1.0}, ParamRole::hidden_bias);  // no gradient: skipped
    NamedParameters ps{{"a", a.get()}, {"b", b.get()}, {"none", none.get()}};
    set_grad(*a, {3.0, 0.0});
    set_grad(*b, {4.0});
    CHECK(clip_grad_norm(ps, 0.0) == 5.0);  // measure only
    CHECK(clip_grad_norm(ps, 10.0) == 5.0);  // below the limit: untouched
    CHECK(a->tensor.grad().to_vector<double>() == std::vector<double>{3.0, 0.0});
    CHECK(clip_grad_norm(ps, 1.0) == 5.0);
    const double s = 1.0 / (5.0 + 1e-6);
    test::check_values(a->tensor.grad(), {3.0 * s, 0.0}, 1e-15);
    test::check_values(b->tensor.grad(), {4.0 * s}, 1e-7);
    CHECK_FALSE(none->tensor.grad().defined());
    CHECK(clip_grad_norm(ps, 0.0) == doctest::Approx(1.0).epsilon(1e-6));

    set_grad(*a, {std::numeric_limits<double>::infinity(), 1.0});
    CHECK(std::isinf(clip_grad_norm(ps, 1.0)));
    CHECK(a->tensor.grad().to_vector<double>()[1] == 1.0);  // left alone for the trainer to report
  }

  TEST_CASE("state tensors round trip: the next step is bit-identical") {
    auto make_model = [&](std::vector<std::unique_ptr<Parameter>>& ps) {
      ps.clear();
      ps.push_back(make_param(std::vector<double>(6, 0.0), ParamRole::hidden_weight, DType::f32, {2, 3}));
      ps.push_back(make_param(std::vector<double>(3, 0.0), ParamRole::norm_gain, DType::f32));
      return NamedParameters{{"blocks.0.w", ps[0].get()}, {"blocks.0.ln.g", ps[1].get()}};
    };
    auto random_grads = [&](std::vector<std::unique_ptr<Parameter>>& ps, uint64_t seed) {
      for (auto& p : ps) p->tensor.set_grad(test::randn(p->tensor.shape(), seed++, DType::f32));
    };
    for (const char* kind : {"adamw", "sgd"}) {
      CAPTURE(kind);
      auto make_opt = [&](const NamedParameters& named) -> std::unique_ptr<Optimizer> {
        if (std::string(kind) == "adamw") return std::make_unique<AdamW>(named);
        return std::make_unique<SGD>(named, SGDOptions{0.9, 0.01, true, false});
      };
      std::vector<std::unique_ptr<Parameter>> pa, pb;
      NamedParameters na = make_model(pa), nb = make_model(pb);
      for (auto& p : pa) p->tensor.copy_(test::randn(p->tensor.shape(), 3, DType::f32));
      auto oa = make_opt(na);
      for (uint64_t s = 0; s < 2; ++s) {
        random_grads(pa, 10 * s);
        oa->step(1e-2);
      }
      // "Checkpoint": parameter values, state tensors (copied) and the JSON state.
      for (size_t i = 0; i < pa.size(); ++i) pb[i]->tensor.copy_(pa[i]->tensor);
      Optimizer::StateTensors saved;
      for (auto& [n, t] : oa->state_tensors()) saved.emplace_back(n, t.clone());
      const auto json = nlohmann::json::parse(oa->state_json().dump());
      auto ob = make_opt(nb);
      ob->load_state_tensors(saved);
      ob->load_state_json(json);
      CHECK(ob->step_count() == 2);
      random_grads(pa, 100);
      random_grads(pb, 100);
      oa->step(1e-2);
      ob->step(1e-2);
      for (size_t i = 0; i < pa.size(); ++i) CHECK(test::bitwise_equal(pa[i]->tensor, pb[i]->tensor));
      auto sa = oa->state_tensors(), sb = ob->state_tensors();
      REQUIRE(sa.size() == sb.size());
      for (size_t i = 0; i < sa.size(); ++i) {
        CHECK(sa[i].first == sb[i].first);
        CHECK(test::bitwise_equal(sa[i].second, sb[i].second));
      }
      if (std::string(kind) == "sgd") CHECK(sa[0].first == "sgd.momentum.blocks.0.w");
    }
  }

  TEST_CASE("loading a bad optimizer state throws CheckpointError naming the tensor") {
    auto w = make_param({1.0, 2.0}, ParamRole::hidden_weight);
    auto g = make_param({1.0}, ParamRole::norm_gain);
    AdamW opt({{"w", w.get()}, {"g", g.get()}});
    Optimizer::StateTensors good;
    for (auto& [n, t] : opt.state_tensors()) good.emplace_back(n, Tensor::full(t.shape(), 0.5, t.dtype()));

    auto missing = good;
    missing.erase(missing.begin() + 1);
    CHECK_THROWS_WITH_AS(opt.load_state_tensors(missing), doctest::Contains("'adamw.exp_avg.g'"), CheckpointError);
    auto misshaped = good;
    misshaped[2].second = Tensor::zeros({3}, DType::f64);
    CHECK_THROWS_WITH_AS(opt.load_state_tensors(misshaped), doctest::Contains("'adamw.exp_avg_sq.w'"),
                         CheckpointError);
    auto wrong_dtype = good;
    wrong_dtype[0].second = Tensor::zeros({2}, DType::f32);
    CHECK_THROWS_WITH_AS(opt.load_state_tensors(wrong_dtype), doctest::Contains("f32[2]"), CheckpointError);
    auto extra = good;
    extra.emplace_back("adamw.exp_avg.ghost", Tensor::zeros({1}, DType::f64));
    CHECK_THROWS_WITH_AS(opt.load_state_tensors(extra), doctest::Contains("'adamw.exp_avg.ghost'"), CheckpointError);
    auto twice = good;
    twice.push_back(good[0]);
    CHECK_THROWS_AS(opt.load_state_tensors(twice), CheckpointError);
    // A failed load changes nothing.
    for (auto& [n, t] : opt.state_tensors()) CHECK(t.to_vector<double>() == std::vector<double>(static_cast<size_t>(t.numel()), 0.0));
    opt.load_state_tensors(good);
    for (auto& [n, t] : opt.state_tensors()) CHECK(t.to_vector<double>() == std::vector<double>(static_cast<size_t>(t.numel()), 0.5));

    CHECK_THROWS_WITH_AS(opt.load_state_json({{"type", "sgd"}, {"t", 3}}), doctest::Contains("'sgd'"),
                         CheckpointError);
    CHECK_THROWS_AS(opt.load_state_json({{"type", "adamw"}, {"t", -1}}), CheckpointError);
    CHECK_THROWS_AS(opt.load_state_json({{"type", "adamw"}}), CheckpointError);
    SGD plain({{"w", w.get()}});
    CHECK(plain.state_tensors().empty());
    CHECK_THROWS_WITH_AS(plain.load_state_tensors(good), doctest::Contains("unexpected"), CheckpointError);
  }

  TEST_CASE("constructor and step argument errors") {
    auto w = make_param({1.0, 2.0}, ParamRole::hidden_weight);
    auto w2 = make_param({1.0, 2.0}, ParamRole::hidden_weight);
    CHECK_THROWS_AS(AdamW({{"w", w.get()}, {"w", w2.get()}}), ValueError);
    CHECK_THROWS_WITH_AS(AdamW({{"a", w.get()}, {"b", w.get()}}), doctest::Contains("'b'"), ValueError);
    CHECK_THROWS_AS(AdamW({{"n", nullptr}}), ValueError);
    Parameter ints;
    ints.tensor = Tensor::zeros({2}, DType::i64);
    CHECK_THROWS_AS(AdamW({{"i", &ints}}), DTypeError);
    CHECK_THROWS_AS(AdamW({{"w", w.get()}}, AdamWOptions{1.0, 0.95, 1e-8, 0.1}), ValueError);
    CHECK_THROWS_AS(AdamW({{"w", w.get()}}, AdamWOptions{0.9, 0.95, 0.0, 0.1}), ValueError);
    CHECK_THROWS_AS(SGD({{"w", w.get()}}, SGDOptions{0.0, 0.0, true, false}), ValueError);
    AdamW opt({{"w", w.get()}});
    CHECK_THROWS_AS(opt.step(-1.0), ValueError);
    CHECK_THROWS_AS(opt.step(std::nan("")), ValueError);
    CHECK(opt.step_count() == 0);
  }
}
