// The pretraining stage: vocabulary, model, PretrainTask, Trainer, final checkpoint.
#include "gr2/train/pretrain/pretrain.h"

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
#include "gr2/lm/vocabulary.h"
#include "gr2/train/pretrain/pretrain_task.h"
#include "gr2/train/trainer.h"

namespace gr2::train::pretrain {
namespace {

bool has_vocabulary(const std::string& dir) {
  return file_exists(lm::CheckpointDir{dir}.tokenizer()) && lm::read_gr2_json(dir).contains("vocabulary");
}

}  // namespace

Json run_pretrain(const PretrainConfig& config, const PretrainOptions& o) {
  Stopwatch clock;
  const DataDir data{o.data_dir};
  require(file_exists(data.corpus()), data.corpus() + ": missing (pretraining needs the data directory's text corpus)");
  make_directories(o.out_dir);

  // Data parallel: rank 0 makes the vocabulary (training it is not bit-reproducible across
  // processes) and the other ranks read what it saved.
  dist::World& world = dist::join_world(o.device);
  if (!world.is_main()) world.barrier("waiting for rank 0's vocabulary");
  // Vocabulary: the init checkpoint's, OUT's own (a resumed or repeated run), or trained here.
  lm::Vocabulary vocab = [&] {
    if (!o.init_dir.empty()) {
      require(has_vocabulary(o.init_dir), o.init_dir + ": no gr2 vocabulary (tokenizer.model + gr2.json \"vocabulary\")");
      return lm::Vocabulary::load(o.init_dir);
    }
    if (has_vocabulary(o.out_dir)) {
      log_info(strprintf("pretrain: using the vocabulary already in %s", o.out_dir.c_str()));
      return lm::Vocabulary::load(o.out_dir);
    }
    Stopwatch t;
    lm::Vocabulary v = lm::Vocabulary::train_file(data.corpus(), config.vocab);
    log_info(strprintf("pretrain: trained the vocabulary on %s: %lld text pieces (%.1f s)", data.corpus().c_str(),
                 static_cast<long long>(v.text_size()), t.seconds()));
    return v;
  }();
  if (world.is_main()) {
    vocab.save(o.out_dir);
    world.barrier("sharing the vocabulary");
  }

  // Model: the init checkpoint, or a fresh one of the [model] shape.
  lm::Qwen3Lm model{nullptr};
  if (!o.init_dir.empty()) {
    model = lm::load_model(o.init_dir, torch::kCPU);
    model->config().require_rows_for(vocab.size(), o.init_dir);
  } else {
    lm::ModelConfig mc = config.model;
    mc.vocab_size = vocab.size();
    mc.validate();
    torch::manual_seed(config.init_seed);
    model = lm::Qwen3Lm(mc);
  }
  log_info(strprintf("pretrain: model %lld parameters (%lld layers, hidden %lld, vocabulary %lld)",
               static_cast<long long>(model->config().parameter_count()),
               static_cast<long long>(model->config().num_hidden_layers),
               static_cast<long long>(model->config().hidden_size), static_cast<long long>(model->config().vocab_size)));

  CorpusStreams corpus = read_corpus_streams(data.corpus(), vocab, config.valid_fraction);
  log_info(strprintf("pretrain: corpus %lld train lines (%lld tokens), %lld held-out lines (%lld tokens)",
               static_cast<long long>(corpus.train_lines), static_cast<long long>(corpus.train.size()),
               static_cast<long long>(corpus.valid_lines), static_cast<long long>(corpus.valid.size())));
  PretrainTask task(std::move(corpus), config.train.batch_size, config.train.seq_len, config.train.seed,
                    config.valid_windows, vocab.pad_id());

  Trainer trainer(model, task, stage_trainer_options(config.train, o.out_dir, o.device, "pretrain", o.resume));
  const TrainSummary summary = trainer.run();

  const bool main_rank = dist::world().is_main();  // data parallel: rank 0 writes the checkpoint
  if (main_rank) lm::save_model(o.out_dir, trainer.model(), "float32");
  Json record{{"stage", "pretrain"},
              {"data", o.data_dir},
              {"init", o.init_dir.empty() ? Json(nullptr) : Json(o.init_dir)},
              {"config", config.to_json()},
              {"parameters", model->config().parameter_count()},
              {"task", task.describe()},
              {"summary", summary.to_json()},
              {"device", o.device.str()},
              {"seconds", clock.seconds()}};
  if (main_rank) lm::update_gr2_json(o.out_dir, "training", record);
  return record;
}

}  // namespace gr2::train::pretrain
