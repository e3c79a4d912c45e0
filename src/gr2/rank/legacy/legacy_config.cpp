// Reading, validating and serialising the [baseline] section.
#include "gr2/rank/legacy/legacy_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::legacy {

LegacyConfig LegacyConfig::from_config(const Config& config) {
  LegacyConfig c;
  ConfigSection s = config.section("baseline");
  c.seed = static_cast<uint64_t>(s.get_int_in("seed", static_cast<int64_t>(c.seed), 0, INT64_MAX));
  c.dim = s.get_int_in("dim", c.dim, 1, 4096);
  c.max_history = s.get_int_in("max_history", c.max_history, 1, 4096);
  c.max_positions = s.get_int_in("max_positions", c.max_positions, 1, 4096);
  c.att_hidden = s.get_int_in("att_hidden", c.att_hidden, 1, 4096);
  c.hidden = s.get_int_in("hidden", c.hidden, 1, 4096);
  c.prm_dim = s.get_int_in("prm_dim", c.prm_dim, 1, 4096);
  c.prm_layers = s.get_int_in("prm_layers", c.prm_layers, 1, 64);
  c.prm_heads = s.get_int_in("prm_heads", c.prm_heads, 1, 64);
  c.dropout = s.get_double_in("dropout", c.dropout, 0.0, 0.95);
  c.epochs = s.get_int_in("epochs", c.epochs, 1, 100000);
  c.patience = s.get_int_in("patience", c.patience, 1, 100000);
  c.batch_size = s.get_int_in("batch_size", c.batch_size, 1, 1 << 20);
  c.learning_rate = s.get_double_in("learning_rate", c.learning_rate, 0.0, 10.0);
  c.weight_decay = s.get_double_in("weight_decay", c.weight_decay, 0.0, 10.0);
  c.threads = s.get_int_in("threads", c.threads, 0, 1024);
  c.max_train_slates = s.get_int_in("max_train_slates", c.max_train_slates, 0, INT64_MAX);
  s.finish();
  c.validate();
  return c;
}

void LegacyConfig::validate() const {
  require(prm_dim % prm_heads == 0, "baseline.prm_heads: prm_dim (" + std::to_string(prm_dim) +
                                        ") must be divisible by prm_heads (" + std::to_string(prm_heads) + ")");
}

Json LegacyConfig::to_json() const {
  return Json{{"seed", seed}, {"dim", dim}, {"max_history", max_history}, {"max_positions", max_positions},
              {"att_hidden", att_hidden}, {"hidden", hidden}, {"prm_dim", prm_dim}, {"prm_layers", prm_layers},
              {"prm_heads", prm_heads}, {"dropout", dropout}, {"epochs", epochs}, {"patience", patience},
              {"batch_size", batch_size}, {"learning_rate", learning_rate}, {"weight_decay", weight_decay},
              {"threads", threads}, {"max_train_slates", max_train_slates}};
}

LegacyConfig LegacyConfig::from_json(const Json& j) {
  LegacyConfig c;
  try {
    c.seed = j.at("seed").get<uint64_t>();
    c.dim = j.at("dim").get<int64_t>();
    // "hist_len": the name in checkpoints written before the knob took its common name.
    c.max_history = (j.contains("max_history") ? j.at("max_history") : j.at("hist_len")).get<int64_t>();
    c.max_positions = j.at("max_positions").get<int64_t>();
    c.att_hidden = j.at("att_hidden").get<int64_t>();
    c.hidden = j.at("hidden").get<int64_t>();
    c.prm_dim = j.at("prm_dim").get<int64_t>();
    c.prm_layers = j.at("prm_layers").get<int64_t>();
    c.prm_heads = j.at("prm_heads").get<int64_t>();
    c.dropout = j.at("dropout").get<double>();
    c.epochs = j.at("epochs").get<int64_t>();
    c.patience = j.at("patience").get<int64_t>();
    c.batch_size = j.at("batch_size").get<int64_t>();
    c.learning_rate = j.at("learning_rate").get<double>();
    c.weight_decay = j.at("weight_decay").get<double>();
    c.threads = j.at("threads").get<int64_t>();
    c.max_train_slates = j.at("max_train_slates").get<int64_t>();
  } catch (const Json::exception& e) {
    throw Error(std::string("baseline model config.json: missing or mistyped field (") + e.what() +
                "); re-train with 'gr2 baseline train'");
  }
  c.validate();
  return c;
}

}  // namespace gr2::legacy
