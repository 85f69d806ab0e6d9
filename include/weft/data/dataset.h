// defines: Sampler, EvalSource, Dataset, DatasetRegistry, build_dataset,
// data_description_of, WEFT_REGISTER_DATASET — `data.type` in a recipe (bytes,
// chars, a user's own) as registered types.
//
// A dataset type is one class with `static Schema schema()` and
// `static std::shared_ptr<Dataset> create(const ResolvedView& data)` (and,
// optionally, `static std::optional<nlohmann::json> describe(const ResolvedView&)`
// when its description follows from the recipe alone, so `weft inspect` need
// not read the data), registered with one line. Its contract:
//  - loading errors are DataErrors naming the file (exit 3);
//  - the splits are fixed by a rule of the recipe, never by chance;
//  - the training sampler's whole state is a small JSON object of integers in
//    state.json: resume restores it and never fast-forwards;
//  - description() says what a model needs from the data (a vocabulary and its
//    size; later state/action sizes, normalisation statistics, return scale):
//    checkpoints store it, so eval/generate/inspect rebuild a model without the data.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "weft/config/schema.h"
#include "weft/config/view.h"
#include "weft/data/batch.h"
#include "weft/data/split.h"
#include "weft/nn/type_registry.h"

namespace weft {

// Training batches, deterministic in (seed, state).
class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual Batch next() = 0;
  virtual nlohmann::json state() const = 0;
  // CheckpointError naming the key when `j` is not a state this sampler wrote.
  virtual void load_state(const nlohmann::json& j) = 0;
};

// A fixed sequence of evaluation batches covering one split.
class EvalSource {
 public:
  virtual ~EvalSource() = default;
  virtual int64_t size() const = 0;
  virtual Batch at(int64_t i) const = 0;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  // What a model needs from the data; stored in every checkpoint as "data".
  virtual nlohmann::json description() const = 0;
  // One line for `weft train`: "123456 tokens of bytes data".
  virtual std::string summary() const = 0;
  // The registered evaluator type (data/evaluator.h) that scores a model on it.
  virtual std::string evaluator() const = 0;
  // The training sampler: `batch` samples of `context` positions each.
  // DataError when the training split cannot hold one sample.
  virtual std::unique_ptr<Sampler> train_sampler(int64_t batch, int64_t context, uint64_t seed) const = 0;
  // The fixed evaluation batches of a split. The default refuses (DataError):
  // a dataset whose evaluator does not read batches need not provide them.
  virtual std::unique_ptr<EvalSource> eval_source(Split split, int64_t batch, int64_t context) const;
  // Everything `train` will need, checked before a run folder is made:
  // DataError naming the split and the numbers otherwise.
  virtual void check_usable(int64_t batch, int64_t context) const = 0;
};

using DatasetFactory = std::function<std::shared_ptr<Dataset>(const ResolvedView& data)>;
using DatasetDescriber = std::function<std::optional<nlohmann::json>(const ResolvedView& data)>;

class DatasetRegistry : public TypeRegistry<DatasetFactory> {
 public:
  static DatasetRegistry& instance();
  bool add_describer(const std::string& name, DatasetDescriber d) {
    describers_[name] = std::move(d);
    return true;
  }
  // The description a dataset of this section would produce, when the type can
  // tell without reading the data; nullopt otherwise.
  std::optional<nlohmann::json> describe(const ResolvedView& data) const;

 private:
  DatasetRegistry() : TypeRegistry<DatasetFactory>("data type") {}
  std::map<std::string, DatasetDescriber> describers_;
};

// The dataset the validated `data:` section describes (reads the data).
std::shared_ptr<Dataset> build_dataset(const ResolvedView& data);

// The data description a checkpoint's state.json holds. Checkpoints written
// before descriptions existed stored a text "vocab"; it is translated to the
// text datasets' description. CheckpointError naming the file otherwise.
nlohmann::json data_description_of(const nlohmann::json& state, const std::string& state_file);

namespace detail {
// Class::describe(data) when the class has one, else nullopt.
template <typename Class>
std::optional<nlohmann::json> describe_if_possible(const ResolvedView& data) {
  if constexpr (requires { Class::describe(data); })
    return Class::describe(data);
  else
    return std::nullopt;
}
}  // namespace detail

}  // namespace weft

#define WEFT_REGISTER_DATASET(name, Class, help_text)                                                            \
  static const bool weft_registered_dataset_##Class [[maybe_unused]] =                                           \
      ::weft::DatasetRegistry::instance().add(                                                                   \
          {name, help_text, [] { return Class::schema(); },                                                      \
           [](const ::weft::ResolvedView& d) -> std::shared_ptr<::weft::Dataset> { return Class::create(d); }}) && \
      ::weft::DatasetRegistry::instance().add_describer(name, &::weft::detail::describe_if_possible<Class>)
