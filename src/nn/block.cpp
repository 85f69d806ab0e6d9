#include "weft/nn/block.h"

#include <charconv>
#include <cmath>

namespace weft {

void add_layerdrop_option(Schema& s) {
  s.add_number("layerdrop", 0.0).range(0.0, 1.0).help(
      "LayerDrop: probability of skipping the whole block in a training step (eval runs every block)");
}

void add_role_option(Schema& s) {
  s.add_choice("role", {"auto", "encoder", "decoder", "encdec_encoder", "encdec_decoder"}, "auto")
      .help("which stack the block sits in, for the depth constants (auto: from the model; gpt is decoder-only)");
}

StackRole read_role(const ResolvedView& v, const BlockContext& ctx) {
  const std::string r = v.get<std::string>("role");
  StackRole role = ctx.stack;
  if (r == "encoder") role = StackRole::encoder;
  if (r == "decoder") role = StackRole::decoder;
  if (r == "encdec_encoder") role = StackRole::encdec_encoder;
  if (r == "encdec_decoder") role = StackRole::encdec_decoder;
  const bool encdec = role == StackRole::encdec_encoder || role == StackRole::encdec_decoder;
  if (encdec && ctx.partner_depth <= 0)
    throw ConfigError(v.full_path("role") + ": '" + r +
                      "' needs an encoder-decoder model (the constants use both stacks' depths); this model has "
                      "one stack");
  return role;
}

void add_base_init_option(Schema& s, const std::string& default_base) {
  s.add_choice("base_init", {"torch_default", "xavier_normal", "param"}, default_base)
      .help("base init of the projections before the gain: torch_default = U(±1/sqrt(fan_in)), xavier_normal, "
            "param = the parameterization's normal");
}

InitBase read_base_init(const ResolvedView& v) {
  const std::string b = v.get<std::string>("base_init");
  if (b == "torch_default") return InitBase::torch_default;
  if (b == "xavier_normal") return InitBase::xavier_normal;
  return InitBase::param;
}

namespace {
std::optional<double> parse_positive(const std::string& text) {
  double d = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(d) || d <= 0) return std::nullopt;
  return d;
}
}  // namespace

void add_auto_number_option(Schema& s, const std::string& name, const std::string& help) {
  s.add_string(name, "auto").help(help + " (auto, or a number > 0)");
  s.add_check([name](const ResolvedView& v, Reporter& r) {
    const std::string text = v.get<std::string>(name);
    if (text != "auto" && !parse_positive(text))
      r.error(name, "'" + text + "' is neither auto nor a number > 0");
  });
}

std::optional<double> read_auto_number(const ResolvedView& v, const std::string& name) {
  const std::string text = v.get<std::string>(name);
  if (text == "auto") return std::nullopt;
  auto d = parse_positive(text);
  WEFT_CHECK(d.has_value(), ConfigError, v.full_path(name), ": '", text, "' is neither auto nor a number > 0");
  return d;
}

}  // namespace weft
