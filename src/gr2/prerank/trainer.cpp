// SASRec training loop: batches of sequences, softmax (full or sampled) or BCE loss, Adam, early
// stopping on validation NDCG@10 with the best weights kept.
#include "gr2/prerank/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>

#include "gr2/core/cpu_threads.h"
#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/metrics_log.h"
#include "gr2/core/progress.h"
#include "gr2/core/rng.h"
#include "gr2/core/timing.h"

namespace gr2::prerank {
namespace {

// Input/target pairs of one user: input = train[:-1], target = train[1:], last max_len steps.
void make_example(const UserSequence& u, int64_t max_len, std::vector<int64_t>& input, std::vector<int64_t>& target) {
  const size_t n = u.train.size() - 1;
  const size_t keep = std::min<size_t>(n, static_cast<size_t>(max_len));
  input.assign(u.train.end() - 1 - static_cast<std::ptrdiff_t>(keep), u.train.end() - 1);
  target.assign(u.train.end() - static_cast<std::ptrdiff_t>(keep), u.train.end());
}

// Loss over the positions that have a target. h: [P, D] hidden states, tgt: [P] item indices.
torch::Tensor loss_of(SasRec& model, const torch::Tensor& h, const torch::Tensor& tgt, const PrerankConfig& c,
                      torch::Generator& gen) {
  const auto& table = model->item_table();  // [N + 1, D]
  const int64_t n = model->num_items();
  if (c.loss == "bce") {
    auto neg = torch::randint(1, n + 1, {tgt.size(0)}, gen, tgt.options());                 // [P]
    auto pos_logit = (h * table.index_select(0, tgt)).sum(-1);                                // [P]
    auto neg_logit = (h * table.index_select(0, neg)).sum(-1);                                // [P]
    return torch::binary_cross_entropy_with_logits(pos_logit, torch::ones_like(pos_logit)) +
           torch::binary_cross_entropy_with_logits(neg_logit, torch::zeros_like(neg_logit));
  }
  if (c.negatives <= 0) {
    auto logits = torch::matmul(h, table.t());                                                // [P, N + 1]
    logits = logits.index_fill(1, torch::zeros({1}, tgt.options()), -1e9);                    // never predict padding
    return torch::cross_entropy_loss(logits, tgt);
  }
  auto neg = torch::randint(1, n + 1, {c.negatives}, gen, tgt.options());                    // [S] shared
  auto pos_logit = (h * table.index_select(0, tgt)).sum(-1, true);                            // [P, 1]
  auto neg_logit = torch::matmul(h, table.index_select(0, neg).t());                          // [P, S]
  neg_logit = neg_logit.masked_fill(neg.unsqueeze(0).eq(tgt.unsqueeze(1)), -1e9);             // drop accidental hits
  auto logits = torch::cat({pos_logit, neg_logit}, 1);                                       // [P, 1 + S]
  return torch::cross_entropy_loss(logits, torch::zeros({tgt.size(0)}, tgt.options()));
}

}  // namespace

int set_torch_threads(int64_t n) {
  if (n > 0) set_cpu_threads(n);
  return at::get_num_threads();
}

Json TrainResult::to_json() const {
  return Json{{"best_epoch", best_epoch}, {"epochs_run", epochs_run}, {"best_valid", best_valid.to_json()},
              {"first_loss", first_loss}, {"last_loss", last_loss}, {"seconds", seconds}};
}

TrainResult train_sasrec(const std::vector<UserSequence>& users, int64_t num_items, const PrerankConfig& c,
                         const torch::Device& device, const std::string& label, MetricsLog* log) {
  c.validate();
  Stopwatch clock;
  torch::manual_seed(c.seed);
  auto gen = at::detail::createCPUGenerator(c.seed);
  std::vector<size_t> trainable;
  for (size_t i = 0; i < users.size(); ++i) {
    if (users[i].train.size() >= 2) trainable.push_back(i);
  }
  require(!trainable.empty(), "prerank (" + label + "): no user has 2 or more train items to learn from");
  // Validation users: a seeded sample when eval_users limits them.
  std::vector<UserSequence> valid_users;
  {
    std::vector<size_t> order(users.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    Rng rng(derive_seed(c.seed, "prerank-valid-users"));
    if (c.eval_users > 0) rng.shuffle(order);
    for (size_t i : order) {
      if (users[i].valid_target <= 0) continue;
      valid_users.push_back(users[i]);
      if (c.eval_users > 0 && static_cast<int64_t>(valid_users.size()) >= c.eval_users) break;
    }
  }

  TrainResult result;
  result.model = SasRec(num_items, c);
  result.model->to(device);
  torch::optim::Adam optimizer(result.model->parameters(),
                               torch::optim::AdamOptions(c.learning_rate).weight_decay(c.weight_decay).betas({0.9, 0.98}));
  std::map<std::string, torch::Tensor> best_state;
  double best = -1;
  int64_t since_best = 0;
  Rng rng(derive_seed(c.seed, "prerank-batches"));
  const int64_t steps_per_epoch = (static_cast<int64_t>(trainable.size()) + c.batch_size - 1) / c.batch_size;
  for (int64_t epoch = 1; epoch <= c.epochs; ++epoch) {
    result.model->train();
    // Length-bucketed batches (shuffle, stable sort by kept length, shuffle the batches): most
    // sequences are short, so padding every batch to its longest member would waste most compute.
    rng.shuffle(trainable);
    std::stable_sort(trainable.begin(), trainable.end(), [&](size_t a, size_t b) {
      return std::min<size_t>(users[a].train.size(), static_cast<size_t>(c.max_len) + 1) <
             std::min<size_t>(users[b].train.size(), static_cast<size_t>(c.max_len) + 1);
    });
    std::vector<size_t> batch_starts;
    for (size_t start = 0; start < trainable.size(); start += static_cast<size_t>(c.batch_size)) batch_starts.push_back(start);
    rng.shuffle(batch_starts);
    Progress progress("prerank " + label + " epoch " + std::to_string(epoch), steps_per_epoch);
    double loss_sum = 0;
    int64_t steps = 0;
    for (size_t start : batch_starts) {
      const size_t end = std::min(trainable.size(), start + static_cast<size_t>(c.batch_size));
      std::vector<std::vector<int64_t>> inputs, targets;
      inputs.reserve(end - start);
      targets.reserve(end - start);
      for (size_t i = start; i < end; ++i) {
        inputs.emplace_back();
        targets.emplace_back();
        make_example(users[trainable[i]], c.max_len, inputs.back(), targets.back());
      }
      auto x = pad_sequences(inputs, c.max_len, device);                // [B, T]
      auto y = pad_sequences(targets, c.max_len, device);               // [B, T], 0 where no target
      auto h = result.model->forward(x);                                // [B, T, D]
      auto mask = y.ne(0).reshape({-1});
      auto hs = h.reshape({-1, h.size(2)}).index({mask});               // [P, D]
      auto ys = y.reshape({-1}).index({mask});                          // [P]
      auto loss = loss_of(result.model, hs, ys, c, gen);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++steps;
      progress.update(steps, {{"loss", loss_sum / static_cast<double>(steps)}});
    }
    const double mean_loss = loss_sum / static_cast<double>(std::max<int64_t>(1, steps));
    progress.finish({{"loss", mean_loss}});
    if (epoch == 1) result.first_loss = mean_loss;
    result.last_loss = mean_loss;
    result.epochs_run = epoch;
    CatalogMetrics v = evaluate_catalog(result.model, valid_users, Target::Valid, device);
    if (log) {
      log->log(Json{{"model", label}, {"epoch", epoch}, {"loss", mean_loss}, {"valid", v.to_json()},
                    {"seconds", clock.seconds()}});
    }
    log_info(strprintf("prerank %s: epoch %lld loss %.4f valid R@10 %.4f N@10 %.4f (%.0f s)", label.c_str(),
                 static_cast<long long>(epoch), mean_loss, v.recall10, v.ndcg10, clock.seconds()));
    if (v.ndcg10 > best || valid_users.empty()) {
      best = v.ndcg10;
      result.best_epoch = epoch;
      result.best_valid = v;
      since_best = 0;
      best_state.clear();
      for (const auto& p : result.model->named_parameters()) best_state[p.key()] = p.value().detach().clone();
    } else if (++since_best >= c.patience) {
      break;
    }
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& p : result.model->named_parameters()) p.value().copy_(best_state.at(p.key()));
  }
  result.model->eval();
  result.seconds = clock.seconds();
  return result;
}

}  // namespace gr2::prerank
