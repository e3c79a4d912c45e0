// Legacy re-ranker training loop, validation and model-directory I/O.
#include "gr2/rank/legacy/legacy_trainer.h"

#include <torch/torch.h>

#include <cstdio>
#include <map>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/log.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/safetensors_torch.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/slates.h"
#include "gr2/rank/reference_policies.h"
#include "gr2/rank/metrics.h"

namespace gr2::legacy {

torch::Tensor legacy_loss(const std::string& kind, const torch::Tensor& logits, const SlateBatch& b) {
  if (kind == "din") {
    auto target = b.labels.gt(0).to(logits.dtype());
    auto per = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None);  // [S, K]
    auto m = b.cand_mask.to(logits.dtype());
    return (per * m).sum() / m.sum().clamp_min(1.0);
  }
  auto gain = (torch::pow(2.0, b.labels) - 1.0) * b.cand_mask.to(logits.dtype());   // [S, K]
  auto total = gain.sum(1, true);                                                   // [S, 1]
  auto has = total.squeeze(1).gt(0);                                                // [S]
  auto q = gain / total.clamp_min(1e-9);
  auto per = -(q * torch::log_softmax(logits, 1)).sum(1);                           // [S]
  return (per * has.to(per.dtype())).sum() / has.sum().to(per.dtype()).clamp_min(1.0);
}

SlateScore score_slates(RerankerNet& net, const std::vector<EncodedSlate>& slates, int64_t max_positions,
                        const torch::Device& device) {
  net.eval();
  torch::NoGradGuard no_grad;
  SlateScore s;
  const size_t batch = 512;
  for (size_t start = 0; start < slates.size(); start += batch) {
    const size_t end = std::min(slates.size(), start + batch);
    std::vector<const EncodedSlate*> part;
    for (size_t i = start; i < end; ++i) part.push_back(&slates[i]);
    auto logits = net.logits(make_batch(part, max_positions, device)).to(torch::kCPU).to(torch::kDouble).contiguous();
    for (size_t i = 0; i < part.size(); ++i) {
      const auto& labels = part[i]->labels;
      if (!has_positive(labels)) continue;
      const double* row = logits[static_cast<int64_t>(i)].data_ptr<double>();
      std::vector<double> keys(row, row + labels.size());
      const std::vector<int> order = order_by_decreasing(keys);
      s.r1 += recall_at(labels, order, 1);
      s.n5 += ndcg_at(labels, order, 5);
      ++s.slates;
    }
  }
  if (s.slates > 0) {
    s.r1 /= static_cast<double>(s.slates);
    s.n5 /= static_cast<double>(s.slates);
  }
  return s;
}

void save_legacy(const std::string& dir, RerankerNet& net, const LegacyConfig& config, const FeatureVocab& vocab,
                 const Json& extra) {
  make_directories(dir);
  std::map<std::string, torch::Tensor> tensors;
  for (const auto& p : net.named_parameters()) tensors[p.key()] = p.value();
  save_tensors(join_path(dir, "model.safetensors"), tensors, {{"format", "gr2-baseline-" + net.kind()}});
  Json cfg{{"model", "gr2-baseline"}, {"kind", net.kind()}, {"baseline", config.to_json()},
           {"num_items", vocab.num_items()}, {"num_brands", vocab.num_brands()},
           {"num_categories", vocab.num_categories()}, {"extra", extra}};
  write_file_atomic(join_path(dir, "config.json"), cfg.dump(2) + "\n");
}

std::shared_ptr<RerankerNet> load_legacy(const std::string& dir, const FeatureVocab& vocab, const torch::Device& device,
                                         LegacyConfig* config_out) {
  const std::string path = join_path(dir, "config.json");
  require(file_exists(path), dir + ": no config.json (expected a model directory written by 'gr2 baseline train')");
  Json cfg;
  try {
    cfg = Json::parse(read_file(path));
  } catch (const Json::exception& e) {
    throw Error(path + ": invalid JSON (" + e.what() + ")");
  }
  require(cfg.value("model", "") == "gr2-baseline", path + ": not a baseline re-ranker (field 'model')");
  const std::string kind = cfg.value("kind", "");
  for (const char* key : {"num_items", "num_brands", "num_categories"}) {
    const int64_t want = cfg.value(key, int64_t{-1});
    const int64_t have = std::string(key) == "num_items" ? vocab.num_items()
                         : std::string(key) == "num_brands" ? vocab.num_brands() : vocab.num_categories();
    require(want == have, dir + ": trained on a catalog with " + key + " = " + std::to_string(want) + ", this catalog has " +
                              std::to_string(have) + " (evaluate on the data directory it was trained on)");
  }
  const LegacyConfig config = LegacyConfig::from_json(cfg.at("baseline"));
  auto net = make_reranker(kind, config, vocab);
  auto tensors = load_tensors(join_path(dir, "model.safetensors"));
  torch::NoGradGuard no_grad;
  for (auto& p : net->named_parameters()) {
    auto it = tensors.find(p.key());
    require(it != tensors.end(), dir + "/model.safetensors: missing tensor '" + p.key() + "'");
    require(it->second.sizes() == p.value().sizes(), dir + "/model.safetensors: tensor '" + p.key() + "' has the wrong shape");
    p.value().copy_(it->second);
  }
  net->to(device);
  net->eval();
  if (config_out) *config_out = config;
  return net;
}

Json train_legacy(const LegacyConfig& c, const LegacyTrainOptions& o) {
  Stopwatch clock;
  c.validate();
  const torch::Device device = resolve_device(o.device);
  if (c.threads > 0) set_cpu_threads(c.threads);
  torch::manual_seed(c.seed);
  const DataDir dir{o.data_dir};
  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  const FeatureVocab vocab(catalog);
  for (SplitPart p : {SplitPart::Train, SplitPart::Valid}) {
    require(file_exists(dir.slates(p)), o.data_dir + ": no " + dir.slates(p) +
                                            " (build slates first: 'gr2 prerank slates' or 'gr2 data synth')");
  }
  std::vector<EncodedSlate> train, valid;
  for_each_slate(dir.slates(SplitPart::Train), &catalog, {}, [&](Slate&& s) { train.push_back(encode_slate(s, vocab, c.max_history)); });
  for_each_slate(dir.slates(SplitPart::Valid), &catalog, {}, [&](Slate&& s) { valid.push_back(encode_slate(s, vocab, c.max_history)); });
  Rng rng(derive_seed(c.seed, "baseline-batches"));
  if (c.max_train_slates > 0 && static_cast<int64_t>(train.size()) > c.max_train_slates) {
    rng.shuffle(train);
    train.resize(static_cast<size_t>(c.max_train_slates));
  }
  require(!train.empty(), dir.slates(SplitPart::Train) + ": no training slates");
  log_info(strprintf("baseline %s: %zu training slates, %zu validation slates, %lld items, %lld brands, %lld categories",
               o.kind.c_str(), train.size(), valid.size(), static_cast<long long>(vocab.num_items()),
               static_cast<long long>(vocab.num_brands()), static_cast<long long>(vocab.num_categories())));

  auto net = make_reranker(o.kind, c, vocab);
  net->to(device);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay));
  make_directories(o.out_dir);
  MetricsLog log(join_path(o.out_dir, "train_log.jsonl"));
  const SlateScore incoming_valid = [&] {
    SlateScore s;
    for (const auto& e : valid) {
      if (!has_positive(e.labels)) continue;
      std::vector<int> order(e.labels.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      s.r1 += recall_at(e.labels, order, 1);
      s.n5 += ndcg_at(e.labels, order, 5);
      ++s.slates;
    }
    if (s.slates) { s.r1 /= static_cast<double>(s.slates); s.n5 /= static_cast<double>(s.slates); }
    return s;
  }();

  std::vector<size_t> order(train.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::map<std::string, torch::Tensor> best_state;
  double best = -1;
  int64_t best_epoch = 0, since = 0, epochs_run = 0;
  Json epochs = Json::array();
  double first_loss = 0, last_loss = 0;
  SlateScore best_valid;
  const int64_t steps_per_epoch = (static_cast<int64_t>(train.size()) + c.batch_size - 1) / c.batch_size;
  for (int64_t epoch = 1; epoch <= c.epochs; ++epoch) {
    net->train();
    rng.shuffle(order);
    Progress progress("baseline " + o.kind + " epoch " + std::to_string(epoch), steps_per_epoch);
    double sum = 0;
    int64_t steps = 0;
    for (size_t start = 0; start < order.size(); start += static_cast<size_t>(c.batch_size)) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(c.batch_size));
      std::vector<const EncodedSlate*> part;
      for (size_t i = start; i < end; ++i) part.push_back(&train[order[i]]);
      const SlateBatch batch = make_batch(part, c.max_positions, device);
      auto loss = legacy_loss(o.kind, net->logits(batch), batch);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      sum += loss.item<double>();
      ++steps;  // before the mean: argument evaluation order is unspecified
      progress.update(steps, {{"loss", sum / static_cast<double>(steps)}});
    }
    const double mean = sum / static_cast<double>(std::max<int64_t>(1, steps));
    progress.finish({{"loss", mean}});
    if (epoch == 1) first_loss = mean;
    last_loss = mean;
    epochs_run = epoch;
    const SlateScore v = score_slates(*net, valid, c.max_positions, device);
    log.log(Json{{"kind", o.kind}, {"epoch", epoch}, {"loss", mean}, {"valid_R@1", v.r1}, {"valid_N@5", v.n5}});
    epochs.push_back(Json{{"epoch", epoch}, {"loss", mean}, {"valid_R@1", v.r1}, {"valid_N@5", v.n5}});
    log_info(strprintf("baseline %s: epoch %lld loss %.4f valid R@1 %.4f N@5 %.4f (incoming %.4f / %.4f) %.0f s",
                 o.kind.c_str(), static_cast<long long>(epoch), mean, v.r1, v.n5, incoming_valid.r1, incoming_valid.n5,
                 clock.seconds()));
    if (v.n5 > best || valid.empty()) {
      best = v.n5;
      best_epoch = epoch;
      best_valid = v;
      since = 0;
      best_state.clear();
      for (const auto& p : net->named_parameters()) best_state[p.key()] = p.value().detach().clone();
    } else if (++since >= c.patience) {
      break;
    }
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& p : net->named_parameters()) p.value().copy_(best_state.at(p.key()));
  }
  Json report{{"kind", o.kind}, {"data", o.data_dir}, {"config", c.to_json()}, {"device", describe_device(device)},
              {"train_slates", train.size()}, {"valid_slates", valid.size()}, {"best_epoch", best_epoch},
              {"epochs_run", epochs_run}, {"first_loss", first_loss}, {"last_loss", last_loss},
              {"valid", Json{{"R@1", best_valid.r1}, {"N@5", best_valid.n5}, {"slates", best_valid.slates}}},
              {"valid_incoming", Json{{"R@1", incoming_valid.r1}, {"N@5", incoming_valid.n5}}},
              {"epochs", epochs}, {"seconds", clock.seconds()}};
  save_legacy(o.out_dir, *net, c, vocab, Json{{"data", o.data_dir}, {"best_epoch", best_epoch}});
  write_file_atomic(join_path(o.out_dir, "report.json"), report.dump(2) + "\n");
  return report;
}

}  // namespace gr2::legacy
