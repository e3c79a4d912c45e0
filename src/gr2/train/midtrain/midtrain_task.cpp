// Mixture sampling and validation of the mid-training task.
#include "gr2/train/midtrain/midtrain_task.h"

#include <algorithm>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/train/midtrain/next_item_eval.h"
#include "gr2/train/pretrain/pretrain_task.h"

namespace gr2::train::midtrain {

MidtrainTask::MidtrainTask(const MidtrainFormat& format, const TrainSequences& sequences,
                           std::vector<int64_t> corpus_train, const lm::SidTrie& trie,
                           std::vector<NextItemCase> valid_cases, const MidtrainConfig& config)
    : format_(format),
      sequences_(sequences),
      corpus_(std::move(corpus_train)),
      trie_(trie),
      valid_(sample_cases(std::move(valid_cases), config.eval_users, derive_seed(config.train.seed, "midtrain-eval-users"))),
      config_(config),
      weights_(config.mix.begin(), config.mix.end()) {
  for (size_t u = 0; u < sequences_.items.size(); ++u)
    for (size_t i = 1; i < sequences_.items[u].size(); ++i)
      positions_.emplace_back(static_cast<int32_t>(u), static_cast<int32_t>(i));
  const auto need = [&](MidtrainTaskKind k, bool ok, const std::string& what) {
    require(weights_[static_cast<size_t>(k)] <= 0 || ok,
            std::string("midtrain: task '") + kMidtrainTaskNames[static_cast<size_t>(k)] + "' has weight " +
                std::to_string(weights_[static_cast<size_t>(k)]) + " but " + what + " (set midtrain.mix_" +
                kMidtrainTaskNames[static_cast<size_t>(k)] + " = 0)");
  };
  need(MidtrainTaskKind::NextItem, !positions_.empty(), "no user has 2 or more training events");
  need(MidtrainTaskKind::Interleaved, !positions_.empty(), "no user has 2 or more training events");
  need(MidtrainTaskKind::SidToText, format_.items() > 0, "the catalog is empty");
  need(MidtrainTaskKind::TextToSid, format_.items() > 0, "the catalog is empty");
  need(MidtrainTaskKind::Text, corpus_.size() >= 2, "the training corpus is empty");
}

Rng MidtrainTask::step_rng(int64_t step) const {
  return Rng(splitmix64(derive_seed(config_.train.seed, "midtrain-batch") + static_cast<uint64_t>(step)));
}

LmExample MidtrainTask::example(MidtrainTaskKind kind, Rng& rng) const {
  switch (kind) {
    case MidtrainTaskKind::NextItem:
    case MidtrainTaskKind::Interleaved: {
      const auto [u, i] = positions_[rng.below(positions_.size())];
      const auto& seq = sequences_.items[static_cast<size_t>(u)];
      const std::vector<int32_t> history(seq.begin(), seq.begin() + i);
      return kind == MidtrainTaskKind::NextItem ? format_.next_item(history, seq[static_cast<size_t>(i)], config_.max_history,
                                                                    static_cast<float>(config_.history_weight))
                                                : format_.interleaved(history, seq[static_cast<size_t>(i)], config_.interleave_len);
    }
    case MidtrainTaskKind::SidToText:
      return format_.sid_to_text(static_cast<int32_t>(rng.below(static_cast<uint64_t>(format_.items()))));
    case MidtrainTaskKind::TextToSid:
      return format_.text_to_sid(static_cast<int32_t>(rng.below(static_cast<uint64_t>(format_.items()))));
    case MidtrainTaskKind::Text: {
      const int64_t len =
          std::min({config_.text_len, config_.train.seq_len + 1, static_cast<int64_t>(corpus_.size())});
      return format_.text(pretrain::random_window(corpus_, len, rng));
    }
  }
  throw Error::internal("midtrain: unknown task kind");
}

std::vector<MidtrainTaskKind> MidtrainTask::kinds_of_step(int64_t step) const {
  Rng rng = step_rng(step);
  std::vector<MidtrainTaskKind> kinds;
  for (int64_t b = 0; b < config_.train.batch_size; ++b) {
    kinds.push_back(static_cast<MidtrainTaskKind>(rng.categorical(weights_)));
    example(kinds.back(), rng);
  }
  return kinds;
}

LmBatch MidtrainTask::batch(int64_t step) {
  Rng rng = step_rng(step);
  std::vector<LmExample> rows;
  rows.reserve(static_cast<size_t>(config_.train.batch_size));
  for (int64_t b = 0; b < config_.train.batch_size; ++b) {
    const auto kind = static_cast<MidtrainTaskKind>(rng.categorical(weights_));
    rows.push_back(example(kind, rng));
  }
  return collate(rows, format_.vocab().pad_id(), config_.train.seq_len);
}

Json MidtrainTask::evaluate(lm::Qwen3Lm& model) {
  if (valid_.empty()) return Json::object();
  std::vector<LmExample> examples;
  for (const auto& c : valid_) examples.push_back(format_.next_item(c.history, c.target, config_.max_history));
  const auto [loss, tokens] =
      mean_token_loss(model, examples, format_.vocab().pad_id(), config_.train.seq_len, config_.train.batch_size);
  const NextItemMetrics m = evaluate_next_item(model, format_, trie_, valid_, config_.max_history, config_.beam_width);
  return Json{{"valid_next_loss", loss}, {"valid_R@10", m.recall10}, {"valid_N@10", m.ndcg10}, {"valid_users", m.users}};
}

Json MidtrainTask::describe() const {
  Json mix = Json::object();
  for (size_t i = 0; i < weights_.size(); ++i) mix[kMidtrainTaskNames[i]] = weights_[i];
  return Json{{"mix", mix},
              {"users", sequences_.users.size()},
              {"train_events", sequences_.events},
              {"next_item_positions", positions_.size()},
              {"catalog_items", format_.items()},
              {"corpus_train_tokens", corpus_.size()},
              {"valid_users", valid_.size()}};
}

}  // namespace gr2::train::midtrain
