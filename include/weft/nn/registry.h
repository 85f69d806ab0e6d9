// defines: LayerArgs, LayerRegistry, WEFT_REGISTER_LAYER — maps a recipe's
// `type:` string to a factory and the option schema that the validator,
// `weft layers` and the factory all share.
//
// A user's own layer is one .cpp file linked into weft (WEFT_EXTRA_SOURCES):
//
//   struct MyBlock : weft::Block {
//     static weft::Schema schema();                                 // its options
//     static std::shared_ptr<weft::Block> create(const weft::LayerArgs&);
//     weft::Tensor forward(const weft::Tensor& x) override;
//   };
//   WEFT_REGISTER_LAYER(block, "my_block", MyBlock, "what it is, in one line");
//
// Static registration needs the object file to be linked whole: weft's library
// is a CMake OBJECT library for that reason.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/nn/block.h"
#include "weft/nn/type_registry.h"

namespace weft {

struct LayerArgs {
  ResolvedView options;  // the validated section (defaults filled), e.g. model.block
  BlockContext ctx;
};

using BlockFactory = std::function<std::shared_ptr<Block>(const LayerArgs&)>;

// One registry per layer kind ("block" now; attention types later).
class LayerRegistry : public TypeRegistry<BlockFactory> {
 public:
  using Factory = BlockFactory;
  static LayerRegistry& get(const std::string& kind);
  static std::vector<std::string> kinds();

 private:
  explicit LayerRegistry(const std::string& kind) : TypeRegistry<BlockFactory>(kind + " type") {}
};

}  // namespace weft

#define WEFT_REGISTER_LAYER(kind, name, Class, help_text)                                         \
  static const bool weft_registered_##kind##_##Class [[maybe_unused]] = ::weft::LayerRegistry::get(#kind).add( \
      {name, help_text, [] { return Class::schema(); },                                        \
       [](const ::weft::LayerArgs& a) -> std::shared_ptr<::weft::Block> { return Class::create(a); }})
