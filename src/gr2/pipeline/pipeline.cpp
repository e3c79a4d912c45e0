// run_pipeline: the recipe's stages in order, each a call into its library code under the StageRunner.
#include "gr2/pipeline/pipeline.h"

#include <filesystem>
#include <iostream>

#include "gr2/core/config.h"
#include "gr2/core/log.h"
#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/timing.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/dist/launcher.h"
#include "gr2/dist/world.h"
#include "gr2/lm/checkpoint_dir.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/pipeline/pipeline_settings.h"
#include "gr2/pipeline/stage_runner.h"
#include "gr2/eval/data_evaluation.h"
#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/legacy_trainer.h"
#include "gr2/rank/report.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_pipeline.h"
#include "gr2/train/midtrain/midtrain.h"
#include "gr2/train/pretrain/pretrain.h"
#include "gr2/train/rl/rl.h"
#include "gr2/train/sft/sft.h"
#include "gr2/train/traces/traces_config.h"
#include "gr2/train/traces/traces_stage.h"

namespace gr2::pipeline {
namespace {

std::string sections_text(const Config& config, const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += "[" + n + "]" + config.section_text(n) + "\n";
  return text;
}

// One run of the recipe in a work directory: every config section parsed up front (so a typo fails
// in seconds, not after an hour of training), then one method per stage.
class Recipe {
 public:
  explicit Recipe(const PipelineOptions& options)
      : options_(options),
        config_(Config::load_with_overrides(options.config_path, options.sets)),
        settings_(checked_settings(config_)),
        synth_(synth::SynthConfig::from_config(config_)),
        sid_(sid::SidConfig::from_config(config_)),
        pretrain_(train::pretrain::PretrainConfig::from_config(config_)),
        midtrain_(train::midtrain::MidtrainConfig::from_config(config_)),
        sft_(train::sft::SftConfig::from_config(config_)),
        rl_(train::rl::RlConfig::from_config(config_)),
        legacy_(legacy::LegacyConfig::from_config(config_)),
        eval_(EvalSettings::from_config(config_)),
        device_(resolve_device(options.device)),
        stages_(options.work, options.force) {
    train::traces::TracesConfig::from_config(config_).validate();
    if (settings_.threads > 0) set_cpu_threads(settings_.threads);
    log_info("gr2 pipeline: work " + options.work + ", device " + describe_device(device_));
  }

  PipelineResult run() {
    Stopwatch total;
    data();
    sid();
    pretrain();
    midtrain();
    traces();
    if (settings_.sft_targeted) sft("sft_targeted", targeted_traces());
    if (settings_.sft_rejection) sft("sft_rejection", rejection_traces());
    if (settings_.naive_rl) rl("rl_naive", false);
    rl("rl_conditional", true);
    if (!settings_.legacy.empty()) legacy();
    PipelineResult result = evaluate();
    result.seconds = total.seconds();
    write_timings(result);
    return result;
  }

 private:
  static PipelineSettings checked_settings(const Config& config) {
    config.check_sections(pipeline_sections());
    return PipelineSettings::from_config(config);
  }
  std::string path(const std::string& name) const { return join_path(options_.work, name); }
  std::string sids_path() const { return join_path(path("sid"), "sids.jsonl"); }
  std::string targeted_traces() const { return join_path(path("traces"), "targeted.jsonl"); }
  std::string rejection_traces() const { return join_path(path("traces"), "rejection.jsonl"); }
  std::string legacy_dir() const { return path("legacy_" + settings_.legacy); }

  // The [synth] world, or an existing data directory ([pipeline] data).
  void data() {
    data_dir_ = settings_.data.empty() ? path("data") : settings_.data;
    if (settings_.data.empty()) {
      stages_.run("data", sections_text(config_, {"synth"}), {}, {data_dir_},
                  [&](bool) { synth::generate_world(synth_, data_dir_); });
      return;
    }
    const DataDir d{data_dir_};
    if (!file_exists(d.slates(SplitPart::Train)) || !file_exists(d.slates(SplitPart::Test)))
      throw Error("[pipeline] data = \"" + data_dir_ + "\" has no slates_train.jsonl / slates_test.jsonl (see docs/datasets.md)");
    stages_.run("data", "external:" + data_dir_ + "\n" + (file_exists(d.info()) ? read_file(d.info()) : ""), {}, {},
                [](bool) {});
  }

  // Item embeddings, the SID quantizer and sids.jsonl.
  void sid() {
    const DataDir data{data_dir_};
    const std::string events = learnable_events(data);
    const std::string sid_dir = path("sid");
    stages_.run("sid", sections_text(config_, {"sid"}), {"data"}, {sid_dir}, [&](bool) {
      sid::EmbedOptions e;
      e.catalog = data.catalog();
      e.events = events;
      e.out = join_path(sid_dir, "embeddings.safetensors");
      e.device = options_.device;
      make_directories(sid_dir);
      sid::run_embed(sid_, e);
      sid::TrainOptions t;
      t.embeddings = e.out;
      t.catalog = data.catalog();
      t.events = events;
      t.out_dir = sid_dir;
      t.device = options_.device;
      const auto summary = sid::run_train(sid_, t);
      log_info(strprintf("gr2 pipeline: SID uniqueness %g%%", summary.final_stats.uniqueness() * 100));
    });
  }

  // The base LM, unless [pipeline] base_model names one.
  void pretrain() {
    base_dir_ = settings_.base_model;
    if (!base_dir_.empty()) {
      stages_.run("pretrain", "external:" + base_dir_, {}, {}, [](bool) {});
      return;
    }
    base_dir_ = path("pretrain");
    stages_.run("pretrain", sections_text(config_, {"vocab", "model", "pretrain"}), {"data"}, {base_dir_}, [&](bool resume) {
      train::pretrain::PretrainOptions o;
      o.data_dir = data_dir_;
      o.out_dir = base_dir_;
      o.device = device_;
      o.resume = resume;
      train::pretrain::run_pretrain(pretrain_, o);
    });
  }

  void midtrain() {
    const std::string out = path("midtrain");
    stages_.run("midtrain", sections_text(config_, {"midtrain"}), {"pretrain", "sid"}, {out}, [&](bool resume) {
      train::midtrain::MidtrainOptions o;
      o.base_dir = base_dir_;
      o.data_dir = data_dir_;
      o.sids_path = sids_path();
      o.out_dir = out;
      o.device = device_;
      o.resume = resume;
      train::midtrain::run_midtrain(midtrain_, o);
      write_file_atomic(lm::CheckpointDir{out}.sids(), read_file(sids_path()));
    });
    // The mid-trained model as a re-ranker answering directly (no think block), reading prompts as
    // the [sft] section renders them. Written on every run, not inside the midtrain stage: [sft] is
    // not part of that stage's fingerprint, so a skipped stage would keep stale prompt settings.
    LmRerankerOptions reranker;
    reranker.prompt = sft_.prompt_options();
    reranker.prompt.think = false;
    reranker.constrained = true;
    lm::update_gr2_json(out, "reranker", reranker.to_json());
  }

  // Targeted and/or rejection-sampled traces with the [traces] teacher.
  void traces() {
    const std::string kinds = std::string(settings_.sft_targeted ? " targeted" : "") +
                              (settings_.sft_rejection ? " rejection" : "");
    stages_.run("traces", sections_text(config_, {"traces"}) + kinds, {"data", "sid"}, {path("traces")}, [&](bool) {
      make_directories(path("traces"));
      for (const std::string& f : {targeted_traces(), rejection_traces()}) std::filesystem::remove(f);
      if (settings_.sft_targeted) make_traces("targeted", targeted_traces());
      if (settings_.sft_rejection) make_traces("rejection", rejection_traces());
    });
  }

  void make_traces(const std::string& mode, const std::string& out) {
    train::traces::TracesConfig c = train::traces::TracesConfig::from_config(config_);
    c.mode = mode;
    train::traces::TracesStageOptions o;
    o.data_dir = data_dir_;
    o.sids_path = sids_path();
    o.out_path = out;
    o.device = options_.device;
    log_info(train::traces::run_traces_stage(c, o).report.format());
  }

  void sft(const std::string& name, const std::string& traces) {
    const std::string out = path(name);
    const bool launched = sft_launched();
    const std::string ranks = launched ? strprintf("ranks %lld", static_cast<long long>(settings_.sft_ranks)) : "";
    stages_.run(name, sections_text(config_, {"sft"}) + ranks, {"midtrain", "traces"}, {out}, [&](bool resume) {
      if (launched) return launch_sft(traces, out, resume);
      train::sft::SftOptions o;
      o.init_dir = path("midtrain");
      o.data_dir = data_dir_;
      o.traces_path = traces;
      o.out_dir = out;
      o.device = options_.device;
      o.resume = resume;
      train::sft::run_sft(sft_, o);
    });
  }

  // Whether the SFT stages run as settings_.sft_ranks processes. Ranks share out CPU cores; on a GPU
  // (one device here) the stage runs in this process, and so it does, with a warning, in a build
  // without the Gloo backend (PyPI's LibTorch has no gloo headers). The results are the same up to
  // float summation order: sft_ranks is a speed setting.
  bool sft_launched() {
    if (settings_.sft_ranks <= 1 || !device_.is_cpu()) return false;
    if (dist::backend_built("gloo")) return true;
    if (!warned_no_gloo_)
      log_warning(strprintf("gr2 pipeline: [pipeline] sft_ranks = %lld needs the Gloo backend, which this build lacks "
                            "(docs/distributed.md): SFT runs in this process",
                            static_cast<long long>(settings_.sft_ranks)));
    warned_no_gloo_ = true;
    return false;
  }

  // `gr2 sft` as settings_.sft_ranks data-parallel processes of this executable (gr2 launch), with
  // the config file and the [sft] overrides this run was given.
  void launch_sft(const std::string& traces, const std::string& out, bool resume) {
    dist::LaunchOptions lo;
    lo.nproc = static_cast<int>(settings_.sft_ranks);
    lo.command = {"gr2", "sft", "--init", path("midtrain"), "--data", data_dir_, "--traces", traces, "--out", out,
                  "--device", options_.device};
    if (!options_.config_path.empty()) lo.command.insert(lo.command.end(), {"--config", options_.config_path});
    if (settings_.threads > 0 && sft_.train.threads == 0)  // [pipeline] threads, as the in-process stages get it
      lo.command.insert(lo.command.end(), {"--set", "sft.threads=" + std::to_string(settings_.threads)});
    for (const auto& set : options_.sets)
      if (set.rfind("sft.", 0) == 0) lo.command.insert(lo.command.end(), {"--set", set});
    if (resume) lo.command.push_back("--resume");
    log_info(strprintf("gr2 pipeline: SFT in %d data-parallel processes", lo.nproc));
    const int status = dist::launch(lo);
    if (status != 0) throw Error(strprintf("gr2 pipeline: the %d-rank SFT exited with status %d (its messages are above)", lo.nproc, status));
  }

  void rl(const std::string& name, bool conditional) {
    const std::string out = path(name);
    stages_.run(name, sections_text(config_, {"rl"}) + (conditional ? "conditional" : "naive"), {settings_.rl_init},
                {out}, [&](bool resume) {
                  train::rl::RlConfig c = rl_;
                  c.reward.conditional = conditional;
                  train::rl::RlOptions o;
                  o.init_dir = path(settings_.rl_init);
                  o.data_dir = data_dir_;
                  o.out_dir = out;
                  o.device = options_.device;
                  o.resume = resume;
                  train::rl::run_rl(c, o);
                });
  }

  void legacy() {
    stages_.run("legacy", sections_text(config_, {"baseline"}) + settings_.legacy, {"data"}, {legacy_dir()}, [&](bool) {
      legacy::LegacyTrainOptions o;
      o.kind = settings_.legacy;
      o.data_dir = data_dir_;
      o.out_dir = legacy_dir();
      o.device = options_.device;
      legacy::train_legacy(legacy_, o);
    });
  }

  // Every policy on the test slates (never skipped: it is the run's report).
  PipelineResult evaluate() {
    const DataDir data{data_dir_};
    std::vector<std::string> policies;
    for (const auto& p : eval_.policies)
      if (p != "oracle" || file_exists(data.truth())) policies.push_back(p);
    if (!settings_.legacy.empty()) policies.push_back(settings_.legacy + ":" + legacy_dir());
    policies.push_back("lm:" + path("midtrain"));
    if (settings_.sft_targeted) policies.push_back("lm:" + path("sft_targeted"));
    if (settings_.sft_rejection) policies.push_back("lm:" + path("sft_rejection"));
    if (settings_.naive_rl) policies.push_back("lm:" + path("rl_naive"));
    policies.push_back("lm:" + path("rl_conditional"));

    DataEvaluationOptions eo;
    eo.data_dir = data_dir_;
    eo.split = SplitPart::Test;
    eo.policies = policies;
    eo.limit = eval_.limit;
    eo.sample = eval_.sample;
    eo.seed = eval_.seed;
    eo.device = options_.device;
    eo.eval.bootstrap.resamples = eval_.bootstrap;
    eo.eval.bootstrap.seed = eval_.seed;
    eo.eval.seed = eval_.seed;
    eo.eval.batch_size = eval_.batch;
    eo.eval.robustness_slates = eval_.robustness_slates;
    // Does RL beat the SFT policy it started from?
    eo.eval.comparisons.emplace_back("rl_conditional", settings_.rl_init);
    if (settings_.naive_rl) eo.eval.comparisons.emplace_back("rl_naive", settings_.rl_init);
    PipelineResult result;
    result.report_dir = path("eval");
    log_info("gr2 pipeline: [eval] " + std::to_string(policies.size()) + " policies on the test slates");
    Stopwatch clock;
    result.eval = evaluate_data_dir(eo);
    write_report(result.eval, result.report_dir);
    eval_seconds_ = clock.seconds();
    return result;
  }

  void write_timings(const PipelineResult& result) const {
    Json timing = Json::object();
    for (const auto& [name, s] : stages_.timings()) timing[name] = s;
    timing["eval"] = eval_seconds_;
    timing["total"] = result.seconds;
    write_file_atomic(join_path(result.report_dir, "timings.json"), timing.dump(2) + "\n");
  }

  const PipelineOptions& options_;
  const Config config_;
  const PipelineSettings settings_;
  const synth::SynthConfig synth_;
  const sid::SidConfig sid_;
  const train::pretrain::PretrainConfig pretrain_;
  const train::midtrain::MidtrainConfig midtrain_;
  const train::sft::SftConfig sft_;
  const train::rl::RlConfig rl_;
  const legacy::LegacyConfig legacy_;
  const EvalSettings eval_;
  const c10::Device device_;
  StageRunner stages_;
  std::string data_dir_, base_dir_;
  double eval_seconds_ = 0;
  bool warned_no_gloo_ = false;  // the sft_ranks fallback was reported
};

}  // namespace

const std::vector<std::string>& pipeline_sections() {
  static const std::vector<std::string> sections{"pipeline", "synth", "sid", "vocab", "model", "pretrain", "midtrain",
                                                 "traces", "sft", "rl", "baseline", "eval",
                                                 // read by `gr2 prerank` only: a dataset's config may hold it
                                                 "prerank"};
  return sections;
}

PipelineResult run_pipeline(const PipelineOptions& options) { return Recipe(options).run(); }

}  // namespace gr2::pipeline
