// The mid-training stage: vocabulary + embedding growth, MidtrainTask, Trainer, next-item evaluation.
#include "gr2/train/midtrain/midtrain.h"

#include <algorithm>
#include <cstdio>

#include <torch/torch.h>

#include "gr2/dist/world.h"
#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/file_io.h"
#include "gr2/core/timing.h"
#include "gr2/data/data_dir.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/train/midtrain/midtrain_task.h"
#include "gr2/train/midtrain/next_item_eval.h"
#include "gr2/train/trainer.h"

namespace gr2::train::midtrain {

Json run_midtrain(const MidtrainConfig& config, const MidtrainOptions& o) {
  Stopwatch clock;
  const DataDir data{o.data_dir};
  make_directories(o.out_dir);

  // Vocabulary with SID tokens, and the model grown to it.
  const Catalog catalog = Catalog::read_jsonl(data.catalog());
  const sid::SidTable sids = align_sids_to_catalog(sid::read_sids_jsonl(o.sids_path), catalog, o.sids_path);
  require(file_exists(lm::CheckpointDir{o.base_dir}.tokenizer()) || file_exists(join_path(o.base_dir, "tokenizer.json")),
          o.base_dir + ": no tokenizer.model or tokenizer.json (the base must be a gr2 checkpoint, e.g. from "
                       "'gr2 pretrain', or a Hugging Face Qwen3 directory)");
  const lm::Vocabulary base_vocab = lm::Vocabulary::load(o.base_dir);
  const lm::Vocabulary vocab =
      base_vocab.sid_levels() == sids.levels && base_vocab.sid_codes() == sids.codes
          ? base_vocab
          : base_vocab.with_sids(sids.levels, sids.codes);
  require(vocab.sid_levels() == sids.levels,
          o.base_dir + ": the base vocabulary has " + std::to_string(vocab.sid_levels()) + " SID levels, the table " +
              std::to_string(sids.levels));
  lm::Qwen3Lm model = lm::load_model(o.base_dir, torch::kCPU);
  // Rows of tokens the base was trained with are kept; rows of gr2's new tokens (SID tokens, and for a
  // Hugging Face base the appended special tokens, which may fall on its padding rows) start near
  // the mean. A padded base whose padding outnumbers the new tokens is cut to the vocabulary, since
  // the re-ranker samples from every row.
  const int64_t old_rows = model->config().vocab_size;
  const int64_t keep_rows = std::min(old_rows, base_vocab.sid_levels() > 0 ? base_vocab.size() : base_vocab.base_size());
  if (old_rows != vocab.size() || keep_rows < old_rows)
    model->resize_token_embeddings(vocab.size(), derive_seed(config.train.seed, "midtrain-new-rows"), config.new_token_noise,
                                   keep_rows);
  log_info(strprintf("midtrain: vocabulary %lld -> %lld tokens (%lld SID levels x %lld codes), model %lld parameters",
               static_cast<long long>(old_rows), static_cast<long long>(vocab.size()),
               static_cast<long long>(sids.levels), static_cast<long long>(sids.codes),
               static_cast<long long>(model->config().parameter_count())));

  // Data: training events, catalog text, corpus text; validation cases for periodic evaluation.
  const TrainSequences sequences = read_train_sequences(data.train_events(), catalog);
  pretrain::CorpusStreams corpus;
  if (config.mix[static_cast<size_t>(MidtrainTaskKind::Text)] > 0)
    corpus = pretrain::read_corpus_streams(data.corpus(), vocab, config.valid_fraction);
  const MidtrainFormat format(vocab, catalog, sids);
  const lm::SidTrie trie(sids, vocab.sid_offset());
  std::string valid_protocol, test_protocol;
  std::vector<NextItemCase> valid_cases = next_item_cases(o.data_dir, catalog, SplitPart::Valid, &valid_protocol);
  log_info(strprintf("midtrain: %lld users, %lld training events, %lld catalog items; %lld validation users",
               static_cast<long long>(sequences.users.size()), static_cast<long long>(sequences.events),
               static_cast<long long>(catalog.size()), static_cast<long long>(valid_cases.size())));
  MidtrainTask task(format, sequences, std::move(corpus.train), trie, valid_cases, config);

  Trainer trainer(model, task, stage_trainer_options(config.train, o.out_dir, o.device, "midtrain", o.resume));
  const TrainSummary summary = trainer.run();

  // Data parallel: rank 0 writes the checkpoint and runs the final evaluation.
  const bool main_rank = dist::world().is_main();
  if (main_rank) {
    lm::save_model(o.out_dir, trainer.model(), "float32");
    vocab.save(o.out_dir);
    sid::write_sids_jsonl(sids, lm::CheckpointDir{o.out_dir}.sids());
    lm::update_gr2_json(o.out_dir, "sids", Json{{"file", "sids.jsonl"}, {"levels", sids.levels}, {"codes", sids.codes},
                                                {"source", o.sids_path}});
  }

  Json next_item = Json::object();
  if (o.evaluate && main_rank) {
    Json report{{"max_history", config.max_history}, {"beam_width", config.beam_width}, {"data", o.data_dir}};
    for (SplitPart part : {SplitPart::Valid, SplitPart::Test}) {
      std::string protocol;
      // Valid: the users of the periodic evaluations; test: a seeded sample of test_users.
      const std::vector<NextItemCase> cases =
          part == SplitPart::Valid
              ? sample_cases(next_item_cases(o.data_dir, catalog, part, &protocol), config.eval_users,
                             derive_seed(config.train.seed, "midtrain-eval-users"))
              : sample_cases(next_item_cases(o.data_dir, catalog, part, &protocol), config.test_users,
                             derive_seed(config.train.seed, "midtrain-test-users"));
      const NextItemMetrics m =
          evaluate_next_item(trainer.model(), format, trie, cases, config.max_history, config.beam_width);
      Json j = m.to_json();
      j["protocol"] = protocol;
      report[split_part_name(part)] = j;
      log_info(strprintf("midtrain: next-item %s (%lld users): R@5 %.4f R@10 %.4f N@5 %.4f N@10 %.4f (%.1f s)",
                   split_part_name(part), static_cast<long long>(m.users), m.recall5, m.recall10, m.ndcg5, m.ndcg10,
                   m.seconds));
    }
    write_file_atomic(join_path(o.out_dir, "next_item_eval.json"), report.dump(2) + "\n");
    next_item = report;
  }

  Json record{{"stage", "midtrain"},
              {"base", o.base_dir},
              {"data", o.data_dir},
              {"sids", o.sids_path},
              {"config", config.to_json()},
              {"parameters", trainer.model()->config().parameter_count()},
              {"task", task.describe()},
              {"summary", summary.to_json()},
              {"next_item", next_item},
              {"device", o.device.str()},
              {"seconds", clock.seconds()}};
  if (main_rank) lm::update_gr2_json(o.out_dir, "training", record);
  return record;
}

}  // namespace gr2::train::midtrain
