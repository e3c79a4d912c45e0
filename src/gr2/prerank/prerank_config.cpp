// Reading, validating and serialising the [prerank] section.
#include "gr2/prerank/prerank_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "gr2/core/error.h"

namespace gr2::prerank {

namespace {

const ConfigFields<PrerankConfig>& prerank_fields() {
  using C = PrerankConfig;
  static const auto fields = ConfigFields<C>()
                                 .integer("seed", &C::seed, 0, INT64_MAX)
                                 .integer("dim", &C::dim, 1, 4096)
                                 .integer("blocks", &C::blocks, 1, 64)
                                 .integer("heads", &C::heads, 1, 64)
                                 .integer("max_len", &C::max_len, 2, 4096)
                                 .real("dropout", &C::dropout, 0.0, 0.95)
                                 .text("loss", &C::loss)
                                 .integer("negatives", &C::negatives, 0, 1 << 24)
                                 .integer("batch_size", &C::batch_size, 1, 1 << 20)
                                 .real("learning_rate", &C::learning_rate, 0.0, 10.0)
                                 .real("weight_decay", &C::weight_decay, 0.0, 10.0)
                                 .integer("epochs", &C::epochs, 1, 100000)
                                 .integer("patience", &C::patience, 1, 100000)
                                 .integer("eval_users", &C::eval_users, 0, INT64_MAX)
                                 .integer("folds", &C::folds, 0, 16)
                                 .integer("threads", &C::threads, 0, 1024)
                                 .integer("slate_size", &C::slate_size, 2, 200)
                                 .integer("top_m", &C::top_m, 1, INT64_MAX)
                                 .real("popular_share", &C::popular_share, 0.0, 1.0)
                                 .integer("train_positions", &C::train_positions, 1, 1000);
  return fields;
}

}  // namespace

PrerankConfig PrerankConfig::from_config(const Config& config) {
  PrerankConfig c;
  ConfigSection s = config.section("prerank");
  prerank_fields().read(s, c);
  s.finish();
  c.validate();
  return c;
}

void PrerankConfig::validate() const {
  require(loss == "softmax" || loss == "bce",
          "prerank.loss: unknown loss '" + loss + "' (expected \"softmax\" or \"bce\")");
  require(dim % heads == 0, "prerank.heads: dim (" + std::to_string(dim) + ") must be divisible by heads (" +
                                std::to_string(heads) + ")");
  require(folds != 1, "prerank.folds: 1 fold cannot hold users out; use 0 (no out-of-fold models) or >= 2");
  require(top_m >= slate_size - 1, "prerank.top_m (" + std::to_string(top_m) +
                                       ") must be >= slate_size - 1 (" + std::to_string(slate_size - 1) + ")");
}

Json PrerankConfig::to_json() const { return prerank_fields().to_json(*this); }

PrerankConfig PrerankConfig::from_json(const Json& j) {
  PrerankConfig c;
  prerank_fields().from_json(j, c, "pre-ranker config.json (re-train with 'gr2 prerank train')");
  return c;
}

}  // namespace gr2::prerank
