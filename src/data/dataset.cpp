#include "weft/data/dataset.h"

#include "weft/core/error.h"
#include "weft/data/text_dataset.h"

namespace weft {

std::unique_ptr<EvalSource> Dataset::eval_source(Split split, int64_t, int64_t) const {
  throw DataError("data: this data type has no fixed evaluation batches (asked for the " +
                  std::string(split_name(split)) + " split)");
}

DatasetRegistry& DatasetRegistry::instance() {
  static DatasetRegistry r;
  return r;
}

std::optional<nlohmann::json> DatasetRegistry::describe(const ResolvedView& data) const {
  auto it = describers_.find(data.get<std::string>("type"));
  return it == describers_.end() ? std::nullopt : it->second(data);
}

std::shared_ptr<Dataset> build_dataset(const ResolvedView& data) {
  return DatasetRegistry::instance().at(data.get<std::string>("type")).factory(data);
}

nlohmann::json data_description_of(const nlohmann::json& state, const std::string& state_file) {
  if (state.contains("data")) {
    WEFT_CHECK(state["data"].is_object(), CheckpointError, state_file, ": 'data' must be an object (the data description)");
    return state["data"];
  }
  // Before data descriptions, checkpoints held the text vocabulary alone.
  WEFT_CHECK(state.contains("vocab"), CheckpointError, state_file,
             ": no 'data' entry (the data description the model is rebuilt from)");
  return text_data_description(TextVocab::from_json(state["vocab"]));
}

}  // namespace weft
