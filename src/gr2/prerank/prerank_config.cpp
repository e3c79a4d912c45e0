// Reading, validating and serialising the [prerank] section.
#include "gr2/prerank/prerank_config.h"

#include <climits>

#include "gr2/core/config.h"
#include "gr2/core/error.h"

namespace gr2::prerank {

PrerankConfig PrerankConfig::from_config(const Config& config) {
  PrerankConfig c;
  ConfigSection s = config.section("prerank");
  c.seed = static_cast<uint64_t>(s.get_int_in("seed", static_cast<int64_t>(c.seed), 0, INT64_MAX));
  c.dim = s.get_int_in("dim", c.dim, 1, 4096);
  c.blocks = s.get_int_in("blocks", c.blocks, 1, 64);
  c.heads = s.get_int_in("heads", c.heads, 1, 64);
  c.max_len = s.get_int_in("max_len", c.max_len, 2, 4096);
  c.dropout = s.get_double_in("dropout", c.dropout, 0.0, 0.95);
  c.loss = s.get_string("loss", c.loss);
  c.negatives = s.get_int_in("negatives", c.negatives, 0, 1 << 24);
  c.batch_size = s.get_int_in("batch_size", c.batch_size, 1, 1 << 20);
  c.learning_rate = s.get_double_in("learning_rate", c.learning_rate, 0.0, 10.0);
  c.weight_decay = s.get_double_in("weight_decay", c.weight_decay, 0.0, 10.0);
  c.epochs = s.get_int_in("epochs", c.epochs, 1, 100000);
  c.patience = s.get_int_in("patience", c.patience, 1, 100000);
  c.eval_users = s.get_int_in("eval_users", c.eval_users, 0, INT64_MAX);
  c.folds = s.get_int_in("folds", c.folds, 0, 16);
  c.threads = s.get_int_in("threads", c.threads, 0, 1024);
  c.slate_size = s.get_int_in("slate_size", c.slate_size, 2, 200);
  c.top_m = s.get_int_in("top_m", c.top_m, 1, INT64_MAX);
  c.popular_share = s.get_double_in("popular_share", c.popular_share, 0.0, 1.0);
  c.train_positions = s.get_int_in("train_positions", c.train_positions, 1, 1000);
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

Json PrerankConfig::to_json() const {
  return Json{{"seed", seed},           {"dim", dim},
              {"blocks", blocks},       {"heads", heads},
              {"max_len", max_len},     {"dropout", dropout},
              {"loss", loss},           {"negatives", negatives},
              {"batch_size", batch_size}, {"learning_rate", learning_rate},
              {"weight_decay", weight_decay}, {"epochs", epochs},
              {"patience", patience},   {"eval_users", eval_users},
              {"folds", folds},         {"threads", threads},
              {"slate_size", slate_size}, {"top_m", top_m},
              {"popular_share", popular_share}, {"train_positions", train_positions}};
}

PrerankConfig PrerankConfig::from_json(const Json& j) {
  PrerankConfig c;
  try {
    c.seed = j.at("seed").get<uint64_t>();
    c.dim = j.at("dim").get<int64_t>();
    c.blocks = j.at("blocks").get<int64_t>();
    c.heads = j.at("heads").get<int64_t>();
    c.max_len = j.at("max_len").get<int64_t>();
    c.dropout = j.at("dropout").get<double>();
    c.loss = j.at("loss").get<std::string>();
    c.negatives = j.at("negatives").get<int64_t>();
    c.batch_size = j.at("batch_size").get<int64_t>();
    c.learning_rate = j.at("learning_rate").get<double>();
    c.weight_decay = j.at("weight_decay").get<double>();
    c.epochs = j.at("epochs").get<int64_t>();
    c.patience = j.at("patience").get<int64_t>();
    c.eval_users = j.at("eval_users").get<int64_t>();
    c.folds = j.at("folds").get<int64_t>();
    c.threads = j.at("threads").get<int64_t>();
    c.slate_size = j.at("slate_size").get<int64_t>();
    c.top_m = j.at("top_m").get<int64_t>();
    c.popular_share = j.at("popular_share").get<double>();
    c.train_positions = j.at("train_positions").get<int64_t>();
  } catch (const Json::exception& e) {
    throw Error(std::string("pre-ranker config.json: missing or mistyped field (") + e.what() +
                "); re-train with 'gr2 prerank train'");
  }
  return c;
}

}  // namespace gr2::prerank
