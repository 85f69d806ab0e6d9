#include "weft/nn/parameter.h"

#include "weft/core/error.h"

namespace weft {

std::string_view role_name(ParamRole r) {
  switch (r) {
    case ParamRole::embedding: return "embedding";
    case ParamRole::hidden_weight: return "hidden_weight";
    case ParamRole::hidden_bias: return "hidden_bias";
    case ParamRole::norm_gain: return "norm_gain";
    case ParamRole::norm_bias: return "norm_bias";
    case ParamRole::gain: return "gain";
    case ParamRole::output: return "output";
  }
  return "?";
}

ParamRole parse_role(std::string_view s) {
  for (ParamRole r : {ParamRole::embedding, ParamRole::hidden_weight, ParamRole::hidden_bias, ParamRole::norm_gain,
                      ParamRole::norm_bias, ParamRole::gain, ParamRole::output})
    if (role_name(r) == s) return r;
  throw ValueError("unknown parameter role '" + std::string(s) + "'");
}

}  // namespace weft
