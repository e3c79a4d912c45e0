// Reading, validating and serialising the [baseline] section.
#include "gr2/rank/legacy/legacy_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::legacy {

namespace {

const ConfigFields<LegacyConfig>& legacy_fields() {
  using C = LegacyConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("seed", &C::seed, 0, INT64_MAX)
                                 .integer("dim", &C::dim, 1, 4096)
                                 .integer("max_history", &C::max_history, 1, 4096)
                                 .integer("max_positions", &C::max_positions, 1, 4096)
                                 .integer("att_hidden", &C::att_hidden, 1, 4096)
                                 .integer("hidden", &C::hidden, 1, 4096)
                                 .integer("prm_dim", &C::prm_dim, 1, 4096)
                                 .integer("prm_layers", &C::prm_layers, 1, 64)
                                 .integer("prm_heads", &C::prm_heads, 1, 64)
                                 .real("dropout", &C::dropout, 0.0, 0.95)
                                 .integer("epochs", &C::epochs, 1, 100000)
                                 .integer("patience", &C::patience, 1, 100000)
                                 .integer("batch_size", &C::batch_size, 1, 1 << 20)
                                 .real("learning_rate", &C::learning_rate, 0.0, 10.0)
                                 .real("weight_decay", &C::weight_decay, 0.0, 10.0)
                                 .integer("threads", &C::threads, 0, 1024)
                                 .integer("max_train_slates", &C::max_train_slates, 0, INT64_MAX);
  return fields;
}

}  // namespace

LegacyConfig LegacyConfig::from_config(const Config& config) {
  LegacyConfig c;
  ConfigSection s = config.section("baseline");
  legacy_fields().read(s, c);
  s.finish();
  c.validate();
  return c;
}

void LegacyConfig::validate() const {
  require(prm_dim % prm_heads == 0, "baseline.prm_heads: prm_dim (" + std::to_string(prm_dim) +
                                        ") must be divisible by prm_heads (" + std::to_string(prm_heads) + ")");
}

Json LegacyConfig::to_json() const { return legacy_fields().to_json(*this); }

LegacyConfig LegacyConfig::from_json(const Json& j) {
  Json fields = j;
  // "hist_len": the name in checkpoints written before the knob took its common name.
  if (!fields.contains("max_history") && fields.contains("hist_len")) fields["max_history"] = fields["hist_len"];
  LegacyConfig c;
  legacy_fields().from_json(fields, c, "baseline model config.json (re-train with 'gr2 baseline train')");
  c.validate();
  return c;
}

}  // namespace gr2::legacy
