// MEGABYTE (nn/models/megabyte.h): causality at both levels (f64, exact),
// shapes for any T, the initial loss, gradient checks through the patch
// embedder, W_GL and both pads, the recipe checks naming their keys, and the
// patch-wise KV-cached decoder against the teacher-forced logits.
//
// weft's logits[s] predict ids[s+1]: they are the paper's position s+1, so a
// perturbed byte t may change logits s ≥ t and no earlier one.
#include <doctest/doctest.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include "../support/block_fixture.h"
#include "../support/decoding_fixture.h"
#include "../support/golden_model.h"
#include "../support/test_util.h"
#include "weft/autograd/grad_mode.h"
#include "weft/autograd/gradcheck.h"
#include "weft/nn/decoding.h"
#include "weft/nn/models/megabyte.h"
#include "weft/ops/ops.h"
#include "weft/train/recipe_schema.h"

using namespace weft;
using namespace weft::test;

namespace {

Recipe megabyte_recipe(const std::string& body) {
  namespace fs = std::filesystem;
  static int counter = 0;
  const fs::path file = fs::temp_directory_path() /
                        ("weft_megabyte_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".yaml");
  {
    std::ofstream f(file);
    f << "model: {type: megabyte, " << body << "}\ndata: {type: bytes, path: unused.txt}\n";
  }
  struct Remove {
    fs::path p;
    ~Remove() { fs::remove(p); }
  } remove{file};
  return load_and_validate_recipe(file, {});
}

// The small model (P = 4, T = 14, D_G = 4, D_L = 8), with block options per stack.
std::string small(const std::string& global_block = "", const std::string& local_block = "",
                  const std::string& extra = "") {
  return "patch: 4, seq_len: 14, global: {d_model: 16, n_layers: 2, n_heads: 2" +
         (global_block.empty() ? "" : ", block: {" + global_block + "}") +
         "}, local: {d_model: 8, n_layers: 2, n_heads: 2" +
         (local_block.empty() ? "" : ", block: {" + local_block + "}") + "}" + extra;
}

std::shared_ptr<Megabyte> build(const std::string& body = small(), bool f64 = true) {
  Recipe r = megabyte_recipe(body);
  auto m = std::dynamic_pointer_cast<Megabyte>(build_language_model(r.view(), 256));
  REQUIRE(m != nullptr);
  to_f64_eval(*m, f64);
  return m;
}

// max |a − b| over row s of two [T, V] logits; NaN propagates.
double row_diff(const Tensor& a, const Tensor& b, int64_t s) {
  return weft::test::max_abs_diff(narrow(a, 0, s, 1), narrow(b, 0, s, 1));
}

// The full logits with byte t of ids changed.
Tensor perturbed_logits(LanguageModel& m, std::vector<int64_t> ids, int64_t t) {
  ids[static_cast<size_t>(t)] = (ids[static_cast<size_t>(t)] + 97) % 256;
  return full_logits(m, ids);
}

std::string error_of(const std::string& body) {
  try {
    megabyte_recipe(body);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("megabyte") {
  TEST_CASE("causal at both levels: a byte changes no earlier logit, and the next ones through both paths") {
    auto m = build();
    const int64_t T = 14, P = 4;  // T + 1 = 15 positions: 4 patches, the last one partial
    const auto ids = random_ids(T, 3);
    Tensor base = full_logits(*m, ids);
    for (int64_t t = 0; t < T; ++t) {
      Tensor pert = perturbed_logits(*m, ids, t);
      INFO("perturbed byte " << t);
      // Every earlier position, the earlier ones of the same patch included, is
      // bit-for-bit unchanged (the paper's positions ≤ t).
      for (int64_t s = 0; s < t; ++s) {
        INFO("logit row " << s);
        CHECK(row_diff(pert, base, s) == 0.0);
      }
      // The very next byte's prediction sees it (locally, or through the
      // global model when t ends a patch) ...
      CHECK(row_diff(pert, base, t) > 1e-12);
      // ... and the first byte of the next patch sees it through the global model.
      const int64_t first_next = (t / P + 1) * P;  // the paper's position
      if (first_next - 1 < T) CHECK(row_diff(pert, base, first_next - 1) > 1e-12);
    }
  }

  TEST_CASE("the local model alone carries the in-patch bytes, the global one the earlier patches") {
    // A patch-level shift by one byte instead of one patch would let the global
    // input of patch k hold byte kP: then position kP would change when byte kP
    // is perturbed — covered above; here the local path is cut (W_GL = 0 and the
    // local stack still sees its bytes), so in-patch dependence must remain.
    auto m = build();
    {
      NoGradGuard ng;
      Tensor& w = m->parameter("global_to_local.weight").tensor;
      w = mul(w, 0.0);
    }
    const auto ids = random_ids(14, 5);
    Tensor base = full_logits(*m, ids);
    auto changed = ids;
    changed[4] = (changed[4] + 1) % 256;  // the first byte of patch 1 (the paper's position 4)
    Tensor pert = full_logits(*m, changed);
    for (int64_t s = 4; s <= 6; ++s) CHECK(row_diff(pert, base, s) > 1e-12);  // positions 5..7 in patch 1
    CHECK(row_diff(pert, base, 7) == 0.0);  // position 8 starts patch 2: reached only through W_GL
  }

  TEST_CASE("local_model: false (the paper's ablation): no local stack; a byte reaches only later patches") {
    auto m = build(small("", "", ", local_model: false"));
    for (const auto& [name, p] : m->named_parameters()) {
      INFO(name);
      CHECK(name.rfind("local.", 0) != 0);
      CHECK(name != "local_pad");
    }
    REQUIRE(m->stacks().size() == 1);
    CHECK(m->flops_per_token() < build()->flops_per_token());
    const int64_t T = 14, P = 4;
    const auto ids = random_ids(T, 3);
    Tensor base = full_logits(*m, ids);
    for (int64_t t = 0; t < T; ++t) {
      Tensor pert = perturbed_logits(*m, ids, t);
      INFO("perturbed byte " << t);
      const int64_t first_next = (t / P + 1) * P;  // the paper's position starting the next patch
      // Every position of its own patch, the later ones included, is blind to it.
      for (int64_t s = 0; s < std::min(first_next - 1, T); ++s) {
        INFO("logit row " << s);
        CHECK(row_diff(pert, base, s) == 0.0);
      }
      if (first_next - 1 < T) CHECK(row_diff(pert, base, first_next - 1) > 1e-12);
    }
    // Generation recomputes (nothing to cache inside a patch) and matches.
    auto dec = m->start_decoding();
    CHECK_FALSE(dec->cached());
    Tensor got = dec->prefill(random_ids(6, 1));
    CHECK(row_diff(reshape(got, {1, -1}), narrow(full_logits(*m, random_ids(6, 1)), 0, 5, 1), 0) <= 1e-12);
  }

  TEST_CASE("shapes for any T, including T % P != 0") {
    auto m = build(small(), false);
    for (int64_t T : {1, 3, 4, 5, 8, 11, 14}) {
      INFO("T = " << T);
      Tensor logits = m->forward(Tensor::from_vector(random_ids(2 * T, 7), {2, T}));
      CHECK(logits.shape() == Shape{2, T, 256});
      auto v = logits.to_vector<float>();
      bool finite = true;
      for (float x : v) finite = finite && std::isfinite(x);
      CHECK(finite);
    }
    // The global input is K × P·D_G per sequence.
    Tensor gin = m->global_input(Tensor::from_vector(random_ids(16, 1), {2, 8}), 0, 3);
    CHECK(gin.shape() == Shape{2, 3, 16});
    // The local pass runs K·B independent sequences of P positions of width D_L.
    Tensor gout = Tensor::zeros({6, 16});
    Tensor lg = m->local_logits(gout, Tensor::zeros({6, 4}, DType::i64), 0, 4);
    CHECK(lg.shape() == Shape{6, 4, 256});
    CHECK_THROWS_AS(m->forward(Tensor::zeros({1, 15}, DType::i64)), ShapeError);
  }

  TEST_CASE("the initial loss is close to ln 256") {
    auto m = build(
        "patch: 8, seq_len: 64, global: {d_model: 64, n_layers: 2, n_heads: 4}, "
        "local: {d_model: 32, n_layers: 2, n_heads: 4}",
        false);
    const auto ids = random_ids(4 * 65, 11);
    std::vector<int64_t> x, y;
    for (int b = 0; b < 4; ++b)
      for (int t = 0; t < 64; ++t) {
        x.push_back(ids[static_cast<size_t>(b * 65 + t)]);
        y.push_back(ids[static_cast<size_t>(b * 65 + t + 1)]);
      }
    NoGradGuard ng;
    const double loss = m->loss(Tensor::from_vector(x, {4, 64}), Tensor::from_vector(y, {4, 64})).item();
    INFO("loss " << loss);
    CHECK(std::abs(loss - std::log(256.0)) < 0.05);
  }

  TEST_CASE("gradients through the patch embedder, W_GL and the pads match finite differences") {
    for (const char* extra : {"", ", tie_local_unembed: false"}) {
      INFO(extra);
      auto m = build(std::string("patch: 3, seq_len: 7, global: {d_model: 6, n_layers: 1, n_heads: 2}, "
                                 "local: {d_model: 4, n_layers: 1, n_heads: 2}") +
                     extra);
      const std::vector<std::string> names = {"patch_embed.tok_emb.weight",
                                              "patch_embed.pos_emb.weight",
                                              "patch_embed.pad",
                                              "global_to_local.weight",
                                              "local_pad",
                                              "local_emb.weight"};
      std::vector<Tensor> inputs;
      for (auto& n : names) {
        Tensor& t = m->parameter(n).tensor;
        t = t.detach().set_requires_grad(true);
        inputs.push_back(t);
      }
      const Tensor ids = Tensor::from_vector(std::vector<int64_t>{5, 9, 5, 2, 7, 1, 3}, {1, 7});
      auto f = [&](const std::vector<Tensor>& in) {
        for (size_t k = 0; k < names.size(); ++k) m->parameter(names[k]).tensor = in[k];
        // A few vocabulary rows keep the check small; the rows the ids touch are in it.
        return narrow(m->forward(ids), 2, 0, 12);
      };
      GradcheckResult r = gradcheck(f, inputs);
      INFO(r.message);
      CHECK(r.ok);
    }
  }

  TEST_CASE("pad_id: the pads are that byte's embeddings, and no pad parameters exist") {
    auto m = build(small("", "", ", pad_id: 0"));
    CHECK_THROWS(m->parameter("local_pad"));
    CHECK_THROWS(m->parameter("patch_embed.pad"));
    Tensor l = full_logits(*m, random_ids(9, 2));
    CHECK(l.shape() == Shape{9, 256});
  }

  TEST_CASE("recipe errors name the key") {
    CHECK(error_of("patch: 3, seq_len: 12, global: {d_model: 16, n_heads: 2}").find("model.global.d_model") !=
          std::string::npos);
    CHECK(error_of("patch: 32, seq_len: 16, global: {d_model: 64, n_heads: 2}").find("model.patch") !=
          std::string::npos);
    CHECK(error_of("patch: 4, seq_len: 16, global: {d_model: 16, n_heads: 3}").find("model.global.n_heads") !=
          std::string::npos);
    CHECK(error_of("patch: 4, seq_len: 16, global: {d_model: 16, n_heads: 2}, local: {d_model: 10, n_heads: 4}")
              .find("model.local.n_heads") != std::string::npos);
    CHECK(error_of(small("attn: {type: cat}")).find("model.global.block.attn.type") != std::string::npos);
    CHECK(error_of(small()).empty());
  }

  TEST_CASE("stacks and FLOPs per byte for inspect") {
    auto m = build(small(), false);
    auto s = m->stacks();
    REQUIRE(s.size() == 2);
    CHECK(s[0].name == "global");
    CHECK(s[0].width == 16);
    CHECK(s[1].name == "local");
    CHECK(s[1].width == 8);
    // The global stack runs once per patch: its weights count 1/P per byte.
    const double n_global = static_cast<double>(m->parameter("global.0.attn.qkv.weight").tensor.numel());
    CHECK(m->flops_per_token() < 6.0 * static_cast<double>(m->num_parameters()));
    CHECK(n_global > 0);
  }

  TEST_CASE("patch-wise cached decoding equals the teacher-forced logits at every position (f64)") {
    for (const std::string& body : {small(), small("type: magneto", "type: macaron"), small("", "", ", pad_id: 7")}) {
      INFO(body);
      auto m = build(body);
      auto dec = m->start_decoding();
      REQUIRE(dec->cached());
      const auto ids = random_ids(14, 9);
      for (int64_t prompt : {1, 3, 4, 6}) {
        INFO("prompt " << prompt);
        check_incremental(*m, *dec, ids, prompt, 1e-10);
      }
      // A full context restarts from its last seq_len/2 bytes at position 0.
      std::vector<int64_t> longer = random_ids(15, 4);
      dec->prefill(std::vector<int64_t>(longer.begin(), longer.begin() + 14));
      Tensor after = dec->next(longer[14]);
      Tensor want = full_logits(*m, std::vector<int64_t>(longer.end() - 7, longer.end()));
      CHECK(row_diff(reshape(after, {1, -1}), narrow(want, 0, 6, 1), 0) <= 1e-10);
    }
  }

  TEST_CASE("a block type that cannot cache falls back to recomputing") {
    auto m = build(small("", "type: pre_ln, attn: {type: cat_causal}"), false);  // f32: CAT's constants
    auto dec = m->start_decoding();
    CHECK_FALSE(dec->cached());
    const auto ids = random_ids(6, 1);
    Tensor got = dec->prefill(ids);
    Tensor full = full_logits(*m, ids);
    CHECK(row_diff(reshape(got, {1, -1}), narrow(full, 0, 5, 1), 0) <= 1e-5);
  }

  TEST_CASE("strided inference: each position from the pass that puts it in the first half of its patch") {
    auto m = build();
    REQUIRE(m->has_strided_inference());
    const int64_t T = 13, P = 4, h = 2;
    const auto ids = random_ids(T, 21);
    NoGradGuard ng;
    Tensor strided = reshape(m->strided_forward(Tensor::from_vector(ids, {1, T})), {T, -1});
    Tensor plain = full_logits(*m, ids);
    Tensor shifted = full_logits(*m, std::vector<int64_t>(ids.begin() + h, ids.end()));
    Tensor viewed = reshape(m->forward(narrow(Tensor::from_vector(ids, {1, T}), 1, h, T - h)), {T - h, -1});
    for (int64_t s = 0; s < T - h; ++s) CHECK(row_diff(viewed, shifted, s) == 0.0);
    int64_t from_second = 0;
    for (int64_t s = 0; s < T; ++s) {
      INFO("row " << s);
      const bool second = (s + 1) % P >= h && s >= h;
      from_second += second;
      CHECK(row_diff(narrow(strided, 0, s, 1), second ? narrow(shifted, 0, s - h, 1) : narrow(plain, 0, s, 1), 0) ==
            0.0);
    }
    CHECK(from_second == 5);  // rows 2, 5, 6, 9, 10
    // A model without it refuses (the evaluator option names itself).
    auto gpt = build_language_model(recipe_from_model("d_model: 8, n_heads: 2, n_layers: 1, seq_len: 8").view(), 256);
    CHECK_FALSE(gpt->has_strided_inference());
    CHECK_THROWS_AS(gpt->strided_forward(Tensor::zeros({1, 4}, DType::i64)), ConfigError);
  }

  TEST_CASE("forward, loss and gradients match an independent PyTorch MEGABYTE (tests/golden/megabyte_tiny.json)") {
    // scripts/gen_golden_megabyte.py: the paper's formulation over ids[0] + targets,
    // T = 7, P = 3 (8 positions in 3 patches, the last one partial).
    nlohmann::json g = load_golden("megabyte_tiny.json");
    auto m = std::dynamic_pointer_cast<Megabyte>(
        build_language_model(megabyte_recipe("patch: 3, seq_len: 7, global: {d_model: 12, n_layers: 2, n_heads: 2}, "
                                             "local: {d_model: 6, n_layers: 2, n_heads: 2}")
                                 .view(),
                             11));
    REQUIRE(m != nullptr);
    {
      NoGradGuard ng;
      for (auto& [name, p] : m->named_parameters()) p->tensor = p->tensor.to(DType::f64).set_requires_grad(true);
    }
    // The closed-form weights in f64 (golden_model.h's setter rounds them to f32).
    auto params = m->named_parameters();
    REQUIRE(params.size() == g["param_order"].size());
    for (size_t k = 0; k < params.size(); ++k) {
      CHECK(params[k].first == g["param_order"][k].get<std::string>());
      Tensor& t = params[k].second->tensor;
      std::vector<double> v(static_cast<size_t>(t.numel()));
      for (size_t i = 0; i < v.size(); ++i)
        v[i] = g["param_base"][k].get<double>() + 0.1 * std::sin(1.3 * double(i) + 0.7 * double(k + 1));
      t = Tensor::from_vector(v, t.shape()).set_requires_grad(true);
    }
    m->eval();
    std::vector<int64_t> ids, tg;
    for (auto& row : g["ids"])
      for (auto& x : row) ids.push_back(x);
    for (auto& row : g["targets"])
      for (auto& x : row) tg.push_back(x);
    Tensor logits = m->forward(Tensor::from_vector(ids, {2, 7}));
    auto got = logits.to_vector<double>();
    REQUIRE(got.size() == g["logits"].size());
    const double err = weft::test::max_abs_diff(got, g["logits"].get<std::vector<double>>());
    INFO("logits: max abs error " << err);
    CHECK(err <= 1e-9);
    Tensor loss = softmax_cross_entropy(logits, Tensor::from_vector(tg, {2, 7}));
    CHECK(std::abs(loss.item() - g["loss"].get<double>()) <= 1e-10);
    loss.backward();
    for (auto& [name, expect] : g["grads"].items()) {
      auto grad = m->parameter(name).tensor.grad().to_vector<double>();
      REQUIRE(grad.size() == expect.size());
      const std::vector<double> want = expect.get<std::vector<double>>();
      const double scale = weft::test::max_abs(want), gerr = weft::test::max_abs_diff(grad, want);
      INFO(name << ": max abs error " << gerr << " at gradient scale " << scale);
      CHECK(scale > 0);
      CHECK(gerr <= 1e-8 * std::max(scale, 1e-3));
    }
  }
}
