// Recipe loading and validation: every user mistake ends in a ConfigError that
// names the file:line:column, the key path and the fix; the resolved recipe
// round-trips and hashes stably. Fixtures are written to a fresh temp folder.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>

#include "../../src/config/scalar_text.h"
#include "example_schema.h"
#include "weft/config/config.h"

using namespace weft;
namespace fs = std::filesystem;

namespace {

// A temporary folder holding a small recipe tree; removed at scope exit.
struct Fixture {
  fs::path root;
  Fixture() {
    static std::atomic<int> counter{0};
    root = fs::temp_directory_path() /
           ("weft_config_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(root);
    fs::create_directories(root);
  }
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path write(const std::string& rel, const std::string& text) const {
    const fs::path p = root / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  // The file name as diagnostics show it.
  std::string shown(const std::string& rel) const { return (root / rel).lexically_normal().generic_string(); }
};

// The message of the ConfigError fn throws; fails the test when it throws nothing.
std::string config_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  FAIL("expected a ConfigError");
  return {};
}

const char* kMinimal =
    "model: {type: gpt}\n"
    "data: {type: bytes, path: data/corpora/fortunes.txt}\n"
    "train: {steps: 100}\n";

Recipe load_valid(const fs::path& file, const std::vector<std::string>& sets = {}, const fs::path& root = {}) {
  return load_and_validate(file, sets, test::example_schema(), root);
}

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("nearest_key suggests close typos and nothing for unrelated words") {
    const std::vector<std::string> keys = {"lr", "betas", "weight_decay", "clip", "warmup"};
    CHECK(nearest_key("lrr", keys) == "lr");
    CHECK(nearest_key("wieght_decay", keys) == "weight_decay");  // transposition
    CHECK(nearest_key("warmpu", keys) == "warmup");
    CHECK(nearest_key("LR", keys) == "lr");
    CHECK(nearest_key("learning_rate", keys).empty());
    CHECK(nearest_key("x", keys).empty());
    CHECK(did_you_mean("bets", keys) == " (did you mean 'betas'?)");
    CHECK(did_you_mean("zzz", keys).empty());
  }

  TEST_CASE("the scalar grammar is strict and the canonical spellings read back") {
    using namespace config_detail;
    CHECK(parse_int("42") == 42);
    CHECK(parse_int("-1_000") == -1000);
    CHECK(parse_int("+7") == 7);
    CHECK_FALSE(parse_int("1e3"));
    CHECK_FALSE(parse_int("1_"));
    CHECK_FALSE(parse_int("99999999999999999999"));
    CHECK(parse_number("3e-4") == 3e-4);
    CHECK(parse_number(".5") == 0.5);
    CHECK(parse_number("+2") == 2.0);
    CHECK_FALSE(parse_number("inf"));
    CHECK_FALSE(parse_number("+-1"));
    CHECK_FALSE(parse_number("1.0abc"));
    CHECK(parse_bool("True") == true);
    CHECK_FALSE(parse_bool("yes"));
    CHECK(format_number(1.0) == "1.0");
    CHECK(format_number(1e-10) == "1.0e-10");
    CHECK(format_number(0.1) == "0.1");
    for (double d : {0.1, 3e-4, 1e300, -2.5e-7, 123456789.0}) CHECK(parse_number(format_number(d)) == d);
    for (const char* s : {"true", "no", "null", "~", "", "12", "-1_000", "1.5", ".5", "1e5", "1.0e-5", "1:30", "0x1F",
                          "0o17", ".inf", "-.Inf", ".nan"})
      CHECK_MESSAGE(!plain_is_string(s), s);
    for (const char* s : {"gpt", "abc", "1.2.3", "e5", "1e", "v1", "data/x.txt", "-", "0x", "1:"})
      CHECK_MESSAGE(plain_is_string(s), s);
  }

  TEST_CASE("source locations print 1-based, and --set overrides name themselves") {
    CHECK(SourceLoc::from_mark("a.yaml", 11, 4).str() == "a.yaml:12:5");
    CHECK(SourceLoc{"a.yaml"}.str() == "a.yaml");
    const SourceLoc set = SourceLoc::from_set("optim.lr=1");
    CHECK(set.str() == "--set optim.lr=1");
    CHECK(set.is_set_override());
    CHECK(Diagnostic{SourceLoc::from_mark("r.yaml", 0, 0), "optim.lrr", "unknown key"}.str() ==
          "r.yaml:1:1: optim.lrr: unknown key");
  }

  TEST_CASE("a YAML syntax error names the file and line") {
    Fixture fx;
    const fs::path f = fx.write("bad.yaml", "seed: 1\nmodel:\n  d_model: [1, 2\n  n_layers: 3\n");
    const std::string msg = config_error([&] { load_recipe(f); });
    CHECK(msg.find(fx.shown("bad.yaml") + ":") == 0);
    CHECK(msg.find("YAML syntax error") != std::string::npos);
    const std::string msg2 = config_error([&] { load_recipe(fx.root / "absent.yaml"); });
    CHECK(msg2.find("absent.yaml: cannot read this file") != std::string::npos);
  }

  TEST_CASE("duplicate keys are errors rather than silently merged") {
    Fixture fx;
    const fs::path f = fx.write("dup.yaml", "seed: 1\nseed: 2\n");
    CHECK(config_error([&] { load_recipe(f); }) ==
          fx.shown("dup.yaml") + ":2:1: seed: duplicate key (first written at line 1)");
  }

  TEST_CASE("an unknown key names file:line:column, the key path and the nearest key") {
    Fixture fx;
    const fs::path f = fx.write("r.yaml", std::string(kMinimal) + "optim:\n  type: sgd\n  lrr: 3.0e-3\n");
    const std::string msg = config_error([&] { load_valid(f); });
    // lr is also missing: both problems come back together, one per line.
    CHECK(msg.find(fx.shown("r.yaml") + ":6:3: optim.lrr: unknown key (did you mean 'lr'?)") != std::string::npos);
    CHECK(msg.find("optim.lr: missing required key (number)") != std::string::npos);
    try {
      load_valid(f);
    } catch (const RecipeError& e) {
      CHECK(e.diagnostics().size() == 2);
      CHECK(e.diagnostics()[0].loc.line == 6);
      CHECK(e.diagnostics()[0].loc.column == 3);
    }
    const fs::path g = fx.write("top.yaml", std::string(kMinimal) + "sede: 3\n");
    CHECK(config_error([&] { load_valid(g); }) ==
          fx.shown("top.yaml") + ":4:1: sede: unknown key (did you mean 'seed'?)");
  }

  TEST_CASE("values must have the declared type") {
    Fixture fx;
    auto error_for = [&](const std::string& extra) {
      const fs::path f = fx.write("t.yaml", std::string(kMinimal) + extra);
      return config_error([&] { load_valid(f); });
    };
    const std::string shown = fx.shown("t.yaml");
    CHECK(error_for("seed: abc\n") == shown + ":4:7: seed: expected an integer, got 'abc'");
    CHECK(error_for("seed: 2.5\n") == shown + ":4:7: seed: expected an integer, got '2.5'");
    CHECK(error_for("seed: \"12\"\n") == shown + ":4:7: seed: expected an integer, got the string '12'");
    CHECK(error_for("seed:\n") == shown + ":4:1: seed: expected an integer, got an empty value");
    CHECK(error_for("optim: {lr: fast}\n") == shown + ":4:13: optim.lr: expected a number, got 'fast'");
    CHECK(error_for("optim: {lr: .inf}\n").find("expected a finite number") != std::string::npos);
    CHECK(error_for("optim: {lr: 1, betas: 0.9}\n").find("optim.betas: expected a list of numbers like [1, 2], got '0.9'") !=
          std::string::npos);
    CHECK(error_for("optim: {lr: 1, betas: [0.9, x]}\n").find("optim.betas[1]: expected a number, got 'x'") !=
          std::string::npos);
    CHECK(error_for("optim: {lr: 1, betas: [0.9]}\n").find("optim.betas: expected 2 elements, got 1") !=
          std::string::npos);
    CHECK(error_for("name: [a]\n").find("name: expected a string, got a list") != std::string::npos);
    CHECK(error_for("env: 3\n").find("env: expected a map, got '3'") != std::string::npos);
    CHECK(error_for("param: 3\n").find("param: expected a section") != std::string::npos);
    // Booleans are strict: yes/no/1 are not booleans.
    const fs::path f = fx.write("b.yaml", "model: {type: gpt, tie_embeddings: yes}\ndata: {type: bytes, path: p}\n"
                                          "train: {steps: 1}\n");
    CHECK(config_error([&] { load_valid(f); }) ==
          fx.shown("b.yaml") + ":1:36: model.tie_embeddings: expected a boolean (true or false), got 'yes'");
    // Numbers accept integers and canonical forms; integers accept 1_000.
    const fs::path g = fx.write("ok.yaml", std::string(kMinimal) + "optim: {lr: 1}\nseed: 1_000\n");
    const Recipe r = load_valid(g);
    CHECK(r.get<double>("optim.lr") == 1.0);
    CHECK(r.get<int64_t>("seed") == 1000);
  }

  TEST_CASE("ranges, list element ranges and choices are checked") {
    Fixture fx;
    auto error_for = [&](const std::string& text) {
      const fs::path f = fx.write("r.yaml", text);
      return config_error([&] { load_valid(f); });
    };
    const std::string shown = fx.shown("r.yaml");
    CHECK(error_for("model: {type: gpt, n_heads: 0}\ndata: {type: bytes, path: p}\ntrain: {steps: 1}\n") ==
          shown + ":1:29: model.n_heads: 0 is below the minimum 1");
    CHECK(error_for("model: {type: gpt, n_layers: 2048}\ndata: {type: bytes, path: p}\ntrain: {steps: 1}\n") ==
          shown + ":1:30: model.n_layers: 2048 is above the maximum 1024");
    CHECK(error_for("model: {type: gpt, block: {dropout: 1.0}}\ndata: {type: bytes, path: p}\ntrain: {steps: 1}\n")
              .find("model.block.dropout: 1.0 must be less than 1") != std::string::npos);
    CHECK(error_for(std::string(kMinimal) + "optim: {lr: 0}\n").find("optim.lr: 0 must be greater than 0") !=
          std::string::npos);
    CHECK(error_for(std::string(kMinimal) + "optim: {lr: 1, betas: [0.9, 1.5]}\n")
              .find("optim.betas[1]: 1.5 must be less than 1") != std::string::npos);
    CHECK(error_for(std::string(kMinimal) + "device: gpu\n") ==
          shown + ":4:9: device: 'gpu' is not one of: cpu, cuda (did you mean 'cpu'?)");
    CHECK(error_for(std::string(kMinimal) + "device: tpu-pod\n") ==
          shown + ":4:9: device: 'tpu-pod' is not one of: cpu, cuda");
  }

  TEST_CASE("polymorphic sections pick their schema from `type`") {
    Fixture fx;
    auto error_for = [&](const std::string& text) {
      const fs::path f = fx.write("p.yaml", text);
      return config_error([&] { load_valid(f); });
    };
    const std::string tail = "data: {type: bytes, path: p}\ntrain: {steps: 1}\n";
    CHECK(error_for("model: {type: gpt, block: {type: magnto}}\n" + tail) ==
          fx.shown("p.yaml") +
              ":1:34: model.block.type: unknown type 'magnto'; known types: macaron, magneto, pre_ln "
              "(did you mean 'magneto'?)");
    CHECK(error_for("model: {type: transformer}\n" + tail)
              .find("model.type: unknown type 'transformer'; known types: gpt, megabyte") != std::string::npos);
    // Options belong to the selected type: sub_ln_eps is magneto's, not pre_ln's.
    CHECK(error_for("model: {type: gpt, block: {type: pre_ln, sub_ln_eps: 1.0e-6}}\n" + tail)
              .find("model.block.sub_ln_eps: unknown key") != std::string::npos);
    CHECK(error_for("model: {d_model: 128}\n" + tail)
              .find("model.type: missing required key (one of: gpt, megabyte)") != std::string::npos);
    CHECK(error_for(tail).find("model.type: missing required key (one of: gpt, megabyte)") != std::string::npos);

    const fs::path f = fx.write("ok.yaml", "model: {type: gpt, block: {type: magneto, ffn_mult: 2}}\n" + tail);
    const Recipe r = load_valid(f);
    CHECK(r.get<std::string>("model.block.type") == "magneto");
    CHECK(r.get<double>("model.block.sub_ln_eps") == doctest::Approx(1e-5));
    const fs::path g = fx.write("mb.yaml", "model: {type: megabyte, patch_size: 4}\n" + tail);
    const Recipe mb = load_valid(g);
    CHECK(mb.get<std::vector<int64_t>>("model.d_model") == std::vector<int64_t>{256, 128});
    CHECK_FALSE(mb.has("model.n_layers"));

    // A type registered after the schema was built is known at validation time.
    const Schema schema = test::example_schema();
    const fs::path h = fx.write("late.yaml", "model: {type: gpt, block: {type: late_block, gain: 2.0}}\n" + tail);
    CHECK(config_error([&] { load_and_validate(h, {}, schema); }).find("unknown type 'late_block'") !=
          std::string::npos);
    Schema late;
    late.add_number("gain", 1.0);
    (*test::block_registry())["late_block"] = late;
    const Recipe lr = load_and_validate(h, {}, schema);
    CHECK(lr.get<double>("model.block.gain") == 2.0);
    test::block_registry()->erase("late_block");
  }

  TEST_CASE("includes merge in order: fragments, then the file, then --set") {
    Fixture fx;
    fx.write("configs/model/gpt_small.yaml",
             "include: [../base.yaml]\nmodel:\n  type: gpt\n  d_model: 128\n  n_layers: 4\n  block: {type: magneto}\n");
    fx.write("configs/base.yaml", "seed: 7\nmodel: {vocab: 512, n_layers: 2}\n");
    fx.write("configs/optim/adamw.yaml", "optim: {type: adamw, lr: 1.0e-3, betas: [0.8, 0.9]}\nseed: 9\n");
    const fs::path f = fx.write("recipes/r.yaml",
                                "include: [configs/model/gpt_small.yaml, configs/optim/adamw.yaml]\n"
                                "model: {n_layers: 6}\n"
                                "optim: {lr: 3.0e-3}\n"
                                "data: {type: bytes, path: p}\n"
                                "train: {steps: 10}\n");
    const Recipe r = load_valid(f, {}, fx.root);
    CHECK(r.get<int64_t>("seed") == 9);              // the later include wins
    CHECK(r.get<int64_t>("model.vocab") == 512);     // nested include, deep-merged
    CHECK(r.get<int64_t>("model.d_model") == 128);   // from the fragment
    CHECK(r.get<int64_t>("model.n_layers") == 6);    // the file's own key wins
    CHECK(r.get<std::string>("model.block.type") == "magneto");
    CHECK(r.get<double>("optim.lr") == doctest::Approx(3e-3));
    CHECK(r.get<std::vector<double>>("optim.betas") == std::vector<double>{0.8, 0.9});  // kept from the fragment
    CHECK(r.sources().size() == 4);
    CHECK_FALSE(r.has("include"));

    // A bad value from a fragment is reported at the fragment's line.
    fx.write("configs/optim/bad.yaml", "optim:\n  type: adamw\n  lr: -1\n");
    const fs::path g = fx.write("recipes/g.yaml", std::string("include: configs/optim/bad.yaml\n") + kMinimal);
    CHECK(config_error([&] { load_valid(g, {}, fx.root); }) ==
          fx.shown("configs/optim/bad.yaml") + ":3:7: optim.lr: -1 must be greater than 0");
  }

  TEST_CASE("include cycles and missing fragments are errors naming the include") {
    Fixture fx;
    fx.write("a.yaml", "include: [b.yaml]\nseed: 1\n");
    fx.write("b.yaml", "seed: 2\ninclude:\n  - a.yaml\n");
    const fs::path top = fx.write("top.yaml", "include: a.yaml\n");
    const std::string msg = config_error([&] { load_recipe(top); });
    CHECK(msg == fx.shown("b.yaml") + ":3:5: include[0]: include cycle: " + fx.shown("a.yaml") + " -> " +
                     fx.shown("b.yaml") + " -> " + fx.shown("a.yaml"));
    const fs::path self = fx.write("self.yaml", "include: [self.yaml]\n");
    CHECK(config_error([&] { load_recipe(self); }).find("include cycle") != std::string::npos);

    const fs::path m = fx.write("m.yaml", "seed: 1\ninclude: [configs/nope.yaml]\n");
    const std::string missing = config_error([&] { load_recipe(m, {}, fx.root / "repo"); });
    CHECK(missing.find(fx.shown("m.yaml") + ":2:11: include[0]: cannot find included file 'configs/nope.yaml'") == 0);
    CHECK(missing.find(fx.shown("repo/configs/nope.yaml")) != std::string::npos);
    const fs::path bad = fx.write("bad.yaml", "include: {a: b}\n");
    CHECK(config_error([&] { load_recipe(bad); }).find("include: expected a file name or a list of file names") !=
          std::string::npos);
    // A fragment included twice without a cycle (a diamond) is fine.
    fx.write("d1.yaml", "include: common.yaml\n");
    fx.write("d2.yaml", "include: common.yaml\n");
    fx.write("common.yaml", "seed: 5\n");
    const fs::path diamond = fx.write("diamond.yaml", "include: [d1.yaml, d2.yaml]\n");
    CHECK(load_recipe(diamond).get<int64_t>("seed") == 5);
  }

  TEST_CASE("--set overrides nested keys with YAML-typed values") {
    Fixture fx;
    const fs::path f = fx.write("r.yaml", std::string(kMinimal) + "optim: {lr: 1.0e-3}\n");
    const Recipe r = load_valid(f, {"model.block.ffn_mult=8", "optim.betas=[0.8, 0.99]", "train.deterministic=false",
                                    "optim.lr=3e-4", "name=my run", "model.block={type: magneto}"});
    CHECK(r.get<int64_t>("model.block.ffn_mult") == 8);  // kept: maps merge
    CHECK(r.get<std::string>("model.block.type") == "magneto");
    CHECK(r.get<std::vector<double>>("optim.betas") == std::vector<double>{0.8, 0.99});
    CHECK(r.get<bool>("train.deterministic") == false);
    CHECK(r.get<double>("optim.lr") == doctest::Approx(3e-4));
    CHECK(r.get<std::string>("name") == "my run");
    CHECK(r.set_overrides().size() == 6);

    CHECK(config_error([&] { load_valid(f, {"optim.lrr=1"}); }) ==
          "--set optim.lrr=1: optim.lrr: unknown key (did you mean 'lr'?)");
    CHECK(config_error([&] { load_valid(f, {"train.steps=many"}); }) ==
          "--set train.steps=many: train.steps: expected an integer, got 'many'");
    CHECK(config_error([&] { load_valid(f, {"optim.lr"}); }) ==
          "--set optim.lr: malformed override: expected KEY.PATH=VALUE, e.g. optim.lr=3e-4");
    CHECK(config_error([&] { load_valid(f, {"=3"}); }).find("empty key path") != std::string::npos);
    CHECK(config_error([&] { load_valid(f, {"optim..lr=3"}); }).find("empty key in the path") != std::string::npos);
    CHECK(config_error([&] { load_valid(f, {"optim.betas[0]=0.5"}); }).find("set the whole list") !=
          std::string::npos);
    CHECK(config_error([&] { load_valid(f, {"include=x.yaml"}); }).find("includes cannot be changed") !=
          std::string::npos);
    CHECK(config_error([&] { load_valid(f, {"optim.betas=[0.8,"}); }).find("cannot read the value as YAML") !=
          std::string::npos);
    const auto [keys, value] = parse_set_override(" model.d_model =128");
    CHECK(keys == std::vector<std::string>{"model", "d_model"});
    CHECK(value == "128");
  }

  TEST_CASE("cross-field checks run on resolved values and point at the key") {
    Fixture fx;
    const std::string tail = "data: {type: bytes, path: p}\ntrain: {steps: 100}\n";
    const fs::path f = fx.write("c.yaml", "model:\n  type: gpt\n  d_model: 100\n  n_heads: 8\n" + tail);
    CHECK(config_error([&] { load_valid(f); }) ==
          fx.shown("c.yaml") + ":4:12: model.n_heads: 8 heads do not divide d_model 100");
    // n_heads left at its default: the error points at the model section instead.
    const fs::path g = fx.write("d.yaml", "model: {type: gpt, d_model: 100}\n" + tail);
    CHECK(config_error([&] { load_valid(g); }) ==
          fx.shown("d.yaml") + ":1:8: model.n_heads: 8 heads do not divide d_model 100");
    CHECK(config_error([&] { load_valid(g, {"model.d_model=12", "model.n_heads=5"}); }) ==
          "--set model.n_heads=5: model.n_heads: 5 heads do not divide d_model 12");
    // A root-level check reading two sections.
    const fs::path h = fx.write("w.yaml", std::string(kMinimal) + "schedule: {type: cosine, warmup: 500}\n");
    CHECK(config_error([&] { load_valid(h); }) ==
          fx.shown("w.yaml") + ":4:34: schedule.warmup: warmup longer than train.steps");
    // Checks do not run while values are mistyped (they could not read them).
    const fs::path k = fx.write("k.yaml", "model: {type: gpt, d_model: wide}\n" + tail);
    try {
      load_valid(k);
      FAIL("expected a RecipeError");
    } catch (const RecipeError& e) {
      REQUIRE(e.diagnostics().size() == 1);
      CHECK(e.diagnostics()[0].path == "model.d_model");
    }
  }

  TEST_CASE("validation fills every default") {
    Fixture fx;
    const Recipe r = load_valid(fx.write("min.yaml", kMinimal));
    CHECK(r.resolved());
    CHECK(r.get<int64_t>("seed") == 1);
    CHECK(r.get<std::string>("device") == "cpu");
    CHECK_FALSE(r.has("name"));  // optional, no default
    CHECK(r.get<int64_t>("model.n_layers") == 6);
    CHECK(r.get<bool>("model.tie_embeddings") == true);
    CHECK(r.get<std::string>("model.block.type") == "pre_ln");
    CHECK(r.get<int64_t>("model.block.ffn_mult") == 4);
    CHECK(r.get<std::string>("param.type") == "sp");
    CHECK(r.get<std::string>("optim.type") == "adamw");
    CHECK(r.get<std::string>("schedule.type") == "constant");
    CHECK(r.get<double>("data.val_fraction") == doctest::Approx(0.05));
    CHECK(r.get<int64_t>("train.keep") == 3);
    CHECK(r.get<std::vector<std::string>>("train.tags").empty());
    CHECK_FALSE(r.has("env"));
    // optim.lr is required by sgd and has no default.
    CHECK(config_error([&] { load_valid(fx.write("x.yaml", std::string(kMinimal) + "optim: {type: sgd}\n")); })
              .find("optim.lr: missing required key (number)") != std::string::npos);
    CHECK(config_error([&] { load_valid(fx.write("y.yaml", "model: {type: gpt}\ndata: {type: bytes}\n"
                                                           "train: {steps: 1}\n")); }) ==
          fx.shown("y.yaml") + ":2:7: data.path: missing required key (string)");
  }

  TEST_CASE("typed accessors treat absent or mistyped keys as programming errors") {
    Fixture fx;
    const Recipe r = load_valid(fx.write("min.yaml", std::string(kMinimal) + "optim: {lr: 1}\nname: \"42\"\n"));
    auto is_error_not_config = [](const std::function<void()>& fn) {
      try {
        fn();
      } catch (const ConfigError&) {
        return false;
      } catch (const Error& e) {
        return std::string(e.what()).find("recipe key") != std::string::npos;
      }
      return false;
    };
    CHECK(is_error_not_config([&] { r.get<int64_t>("model.nope"); }));
    CHECK(is_error_not_config([&] { r.get<int64_t>("device"); }));
    CHECK(is_error_not_config([&] { r.get<bool>("seed"); }));
    CHECK(is_error_not_config([&] { r.get<std::string>("model"); }));
    CHECK(is_error_not_config([&] { r.get<uint8_t>("model.vocab"); }));  // 256 does not fit
    CHECK(r.get<int>("model.vocab") == 256);
    CHECK(r.get<float>("optim.lr") == 1.0f);
    CHECK(r.get<std::string>("name") == "42");
    CHECK(r.get<double>("optim.betas[1]") == doctest::Approx(0.95));
    CHECK(r.get_or<int64_t>("model.nope", 5) == 5);
    CHECK(r.view().at("model").get<int64_t>("n_heads") == 8);
    CHECK(r.view().keys("data") == std::vector<std::string>{"type", "path", "val_fraction"});
    CHECK(r.node("model.block")["ffn_mult"].as<int>() == 4);
    CHECK_THROWS_AS(parse_key_path("a..b"), Error);
  }

  TEST_CASE("dump_resolved round-trips to the identical tree") {
    Fixture fx;
    fx.write("configs/model/gpt_small.yaml", "model: {type: gpt, d_model: 128, block: {type: magneto}}\n");
    const fs::path f = fx.write("recipes/r.yaml",
                                "include: [configs/model/gpt_small.yaml]\n"
                                "name: \"true\"\n"
                                "optim: {lr: 3e-4, clip: 2}\n"
                                "data: {type: bytes, path: \"2024\"}\n"
                                "train: {steps: 100_000, tags: [a, \"1.5\", 'null']}\n"
                                "env: {zeta: 1, alpha: {b: [1, x], a: \"yes\"}, mid: ~}\n");
    const Recipe r = load_valid(f, {"seed=3"}, fx.root);
    const std::string text = dump_resolved(r);
    CHECK(text.find("include") == std::string::npos);
    CHECK(text.find("name: \"true\"") != std::string::npos);  // stays a string
    CHECK(text.find("lr: 3.0e-04") != std::string::npos);      // canonical spelling
    CHECK(text.find("clip: 2.0") != std::string::npos);
    CHECK(text.find("steps: 100000") != std::string::npos);
    CHECK(text.find("betas: [0.9, 0.95]") != std::string::npos);
    CHECK(text.find("env:\n  alpha:\n    a: \"yes\"") != std::string::npos);  // any_map keys sorted
    CHECK(text.rfind("seed: 3\ndevice: cpu\nname: \"true\"\nmodel:\n  type: gpt\n", 0) == 0);  // schema order

    const fs::path out = fx.root / "runs/x/recipe.yaml";
    write_resolved(r, out);
    const Recipe again = load_valid(out);
    CHECK(dump_resolved(again) == text);
    CHECK(recipe_hash(again) == recipe_hash(r));
    CHECK(again.get<std::string>("name") == "true");
    CHECK(again.get<std::string>("data.path") == "2024");
    CHECK(again.get<std::vector<std::string>>("train.tags") == std::vector<std::string>{"a", "1.5", "null"});
    // Validating a resolved recipe again changes nothing.
    Recipe twice = again;
    validate(twice, test::example_schema());
    CHECK(dump_resolved(twice) == text);
    // Only validated recipes can be dumped.
    CHECK_THROWS_AS(dump_resolved(load_recipe(f, {}, fx.root)), Error);
  }

  TEST_CASE("recipe_hash is stable across key order and spelling, and sensitive to values") {
    Fixture fx;
    const Recipe a = load_valid(fx.write("a.yaml",
                                         "model: {type: gpt, n_layers: 4}\noptim: {lr: 3e-4, clip: 1}\n"
                                         "data: {type: bytes, path: p}\ntrain: {steps: 10}\nenv: {x: 1, y: 2}\n"));
    const Recipe b = load_valid(fx.write("b.yaml",
                                         "env: {y: 2, x: 1}\ntrain: {steps: 10}\ndata: {path: p, type: bytes}\n"
                                         "optim: {clip: 1.0, lr: 0.0003}\nmodel: {n_layers: 4, type: gpt, "
                                         "block: {type: pre_ln}}\n"));
    const Recipe c = load_valid(fx.write("c.yaml",
                                         "model: {type: gpt, n_layers: 5}\noptim: {lr: 3e-4}\n"
                                         "data: {type: bytes, path: p}\ntrain: {steps: 10}\n"));
    CHECK(recipe_hash(a) == recipe_hash(b));
    CHECK(recipe_hash(a) != recipe_hash(c));
    CHECK(recipe_hash(a).size() == 16);
    CHECK(recipe_hash(a).find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(fnv1a64("") == 14695981039346656037ull);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cull);  // the published FNV-1a 64 test vector
  }

  TEST_CASE("render_schema lists name, type, default, range and help") {
    const std::string text = render_schema(test::example_schema());
    CHECK(text.find("seed") != std::string::npos);
    CHECK(text.find("seed of every random stream") != std::string::npos);
    CHECK(text.find("cpu | cuda") != std::string::npos);
    CHECK(text.find("  type: gpt\n") != std::string::npos);
    CHECK(text.find("      type: magneto\n") != std::string::npos);
    CHECK(text.find("[1, 1024]") != std::string::npos);
    CHECK(text.find("(0, 1)") != std::string::npos);          // val_fraction
    CHECK(text.find("[0.9, 0.95]") != std::string::npos);     // betas default
    CHECK(text.find("length 2") != std::string::npos);
    CHECK(text.find("required") != std::string::npos);
    CHECK(text.find("type: macaron | magneto | pre_ln") != std::string::npos);
    const Schema block = test::magneto_block();
    const OptionSpec* eps = block.find("sub_ln_eps");
    REQUIRE(eps != nullptr);
    CHECK(describe_range(*eps) == "> 0");
    CHECK(describe_default(*eps) == "1.0e-05");
    CHECK(std::string(option_type_name(eps->type)) == "number");
  }

  TEST_CASE("schema mistakes are caught when the schema is built") {
    Schema s;
    CHECK_THROWS_AS(s.add_int("x", 0).range(1, 10), Error);  // default outside its range
    CHECK_THROWS_AS(s.add_choice("c", {"a", "b"}, "z"), Error);
    s.add_int("y", 1);
    CHECK_THROWS_AS(s.add_int("y", 2), Error);               // declared twice
    CHECK_THROWS_AS(s.add_int("a.b", 2), Error);
    CHECK_THROWS_AS(s.add_numbers("l", std::vector<double>{1.0}).length(2), Error);
  }
}
