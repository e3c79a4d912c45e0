// run_pipeline: stage stamps (fingerprint, complete) and the calls into each stage's library code.
#include "gr2/pipeline/pipeline.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>

#include "gr2/core/config.h"
#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/prompt/prompt_renderer.h"
#include "gr2/eval/data_evaluation.h"
#include "gr2/rank/legacy/legacy_config.h"
#include "gr2/rank/legacy/legacy_trainer.h"
#include "gr2/eval/policy_factory.h"
#include "gr2/rank/report.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_pipeline.h"
#include "gr2/sid/sid_table.h"
#include "gr2/train/midtrain/midtrain.h"
#include "gr2/train/pretrain/pretrain.h"
#include "gr2/train/rl/rl.h"
#include "gr2/train/sft/sft.h"
#include "gr2/train/traces/trace_generation.h"
#include "gr2/train/traces/traces_config.h"
#include "gr2/train/traces/traces_stage.h"

namespace gr2::pipeline {
namespace {

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The [pipeline] section: where data and base model come from, which variants run.
struct PipelineSettings {
  std::string data;            // an existing data directory (e.g. imported Beauty); "" = the [synth] world
  std::string base_model;      // a pretrained checkpoint to mid-train; "" = run pretrain
  std::string legacy = "prm";  // legacy re-ranker trained for the table: "din", "prm" or "" (none)
  std::string rl_init = "sft_rejection";  // which SFT policy RL starts from
  bool naive_rl = true;        // also run RL with the naive (unconditional) reward
  bool sft_targeted = true;    // run SFT on targeted traces (label shown to the teacher)
  bool sft_rejection = true;   // run SFT on rejection-sampled traces (label hidden, checked after)
  int64_t threads = 0;         // CPU threads of every stage (LibTorch and BLAS); 0 = LibTorch's default

  static PipelineSettings from_config(const Config& config) {
    ConfigSection s = config.section("pipeline");
    PipelineSettings p;
    p.data = s.get_string("data", p.data);
    p.base_model = s.get_string("base_model", p.base_model);
    p.legacy = s.get_string("legacy", p.legacy);
    p.rl_init = s.get_string("rl_init", p.rl_init);
    p.naive_rl = s.get_bool("naive_rl", p.naive_rl);
    p.sft_targeted = s.get_bool("sft_targeted", p.sft_targeted);
    p.sft_rejection = s.get_bool("sft_rejection", p.sft_rejection);
    p.threads = s.get_int_in("threads", p.threads, 0, 1024);
    s.finish();
    if (!p.legacy.empty() && p.legacy != "din" && p.legacy != "prm")
      throw Error("[pipeline] legacy must be \"din\", \"prm\" or \"\", got \"" + p.legacy + "\"");
    if (p.rl_init != "sft_rejection" && p.rl_init != "sft_targeted")
      throw Error("[pipeline] rl_init must be \"sft_rejection\" or \"sft_targeted\"");
    if (p.rl_init == "sft_targeted" && !p.sft_targeted) throw Error("[pipeline] rl_init = \"sft_targeted\" needs sft_targeted = true");
    if (p.rl_init == "sft_rejection" && !p.sft_rejection)
      throw Error("[pipeline] rl_init = \"sft_rejection\" needs sft_rejection = true");
    return p;
  }
};

// The [eval] section of a pipeline config.
struct EvalSettings {
  std::vector<std::string> policies{"incoming", "random", "popularity", "heuristic", "oracle"};
  int bootstrap = 2000;
  int64_t robustness_slates = 500;
  int64_t limit = 0;
  int64_t sample = 0;
  int batch = 64;
  uint64_t seed = 0;

  static EvalSettings from_config(const Config& config) {
    ConfigSection s = config.section("eval");
    EvalSettings e;
    e.policies = s.get_string_list("policies", e.policies);
    e.bootstrap = static_cast<int>(s.get_int_in("bootstrap", e.bootstrap, 1, 1000000));
    e.robustness_slates = s.get_int_in("robustness_slates", e.robustness_slates, -1, INT64_MAX);
    e.limit = s.get_int_in("limit", e.limit, 0, INT64_MAX);
    e.sample = s.get_int_in("sample", e.sample, 0, INT64_MAX);
    e.batch = static_cast<int>(s.get_int_in("batch", e.batch, 1, 100000));
    e.seed = static_cast<uint64_t>(s.get_int_in("seed", 0, 0, INT64_MAX));
    s.finish();
    return e;
  }
};

// Stage bookkeeping: WORK/stages/NAME.json = {"fingerprint", "complete", "seconds"}.
class StageRunner {
 public:
  StageRunner(std::string work, bool force) : work_(std::move(work)), force_(force) {
    make_directories(join_path(work_, "stages"));
  }

  // Runs `body(resume)` unless the stage is current. `inputs` is everything the stage depends on
  // (config text, paths); `deps` names earlier stages. `outputs` are removed before a fresh run.
  void run(const std::string& name, const std::string& inputs, const std::vector<std::string>& deps,
           const std::vector<std::string>& outputs, const std::function<void(bool resume)>& body) {
    std::string key = name + "\n" + inputs;
    for (const auto& d : deps) key += "\n" + d + "=" + fingerprints_.at(d);
    const std::string fp = hex(fnv1a(key));
    fingerprints_[name] = fp;
    const std::string stamp_path = join_path(join_path(work_, "stages"), name + ".json");
    Json stamp;
    if (file_exists(stamp_path)) {
      try {
        stamp = Json::parse(read_file(stamp_path));
      } catch (const std::exception&) {
        stamp = Json();
      }
    }
    const bool same = stamp.is_object() && stamp.value("fingerprint", "") == fp;
    if (same && stamp.value("complete", false) && !force_) {
      std::cerr << "gr2 pipeline: [" << name << "] current; skipped\n";
      return;
    }
    const bool resume = same && !force_;
    if (!resume)
      for (const auto& out : outputs) std::filesystem::remove_all(out);
    write_file_atomic(stamp_path, Json{{"fingerprint", fp}, {"complete", false}}.dump() + "\n");
    std::cerr << "gr2 pipeline: [" << name << "] " << (resume ? "resuming" : "running") << "\n";
    Stopwatch clock;
    body(resume);
    write_file_atomic(stamp_path,
                      Json{{"fingerprint", fp}, {"complete", true}, {"seconds", clock.seconds()}}.dump() + "\n");
    std::cerr << "gr2 pipeline: [" << name << "] done in " << Progress::format_duration(clock.seconds()) << "\n";
    timings_[name] = clock.seconds();
  }

  const std::map<std::string, double>& timings() const { return timings_; }

 private:
  std::string work_;
  bool force_;
  std::map<std::string, std::string> fingerprints_;
  std::map<std::string, double> timings_;
};

std::string sections_text(const Config& config, const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += "[" + n + "]" + config.section_text(n) + "\n";
  return text;
}

// Traces of one mode into `out` with the [traces] teacher.
void make_traces(const Config& config, const std::string& data_dir, const std::string& sids_path,
                 const std::string& mode, const std::string& out, const std::string& device) {
  train::traces::TracesConfig c = train::traces::TracesConfig::from_config(config);
  c.mode = mode;
  train::traces::TracesStageOptions options;
  options.data_dir = data_dir;
  options.sids_path = sids_path;
  options.out_path = out;
  options.device = device;
  const auto r = train::traces::run_traces_stage(c, options);
  std::cerr << r.report.format();
}

}  // namespace

const std::vector<std::string>& pipeline_sections() {
  static const std::vector<std::string> sections{"pipeline", "synth", "sid", "vocab", "model", "pretrain", "midtrain",
                                                 "traces", "sft", "rl", "baseline", "eval",
                                                 // read by `gr2 prerank` only: a dataset's config may hold it
                                                 "prerank"};
  return sections;
}

PipelineResult run_pipeline(const PipelineOptions& options) {
  Stopwatch total;
  const Config config = Config::load_with_overrides(options.config_path, options.sets);
  config.check_sections(pipeline_sections());
  // Parse every section up front, so a typo fails in seconds rather than after an hour of training.
  const PipelineSettings settings = PipelineSettings::from_config(config);
  const synth::SynthConfig synth_config = synth::SynthConfig::from_config(config);
  const sid::SidConfig sid_config = sid::SidConfig::from_config(config);
  const train::pretrain::PretrainConfig pretrain_config = train::pretrain::PretrainConfig::from_config(config);
  const train::midtrain::MidtrainConfig midtrain_config = train::midtrain::MidtrainConfig::from_config(config);
  train::traces::TracesConfig::from_config(config).validate();
  const train::sft::SftConfig sft_config = train::sft::SftConfig::from_config(config);
  const train::rl::RlConfig rl_config = train::rl::RlConfig::from_config(config);
  const legacy::LegacyConfig legacy_config = legacy::LegacyConfig::from_config(config);
  const EvalSettings eval_settings = EvalSettings::from_config(config);
  const c10::Device device = resolve_device(options.device);
  if (settings.threads > 0) set_cpu_threads(settings.threads);
  std::cerr << "gr2 pipeline: work " << options.work << ", device " << describe_device(device) << "\n";

  const std::string& w = options.work;
  make_directories(w);
  StageRunner stages(w, options.force);
  auto path = [&](const std::string& name) { return join_path(w, name); };

  // data
  const std::string data_dir = settings.data.empty() ? path("data") : settings.data;
  if (settings.data.empty()) {
    stages.run("data", sections_text(config, {"synth"}), {}, {data_dir},
               [&](bool) { synth::generate_world(synth_config, data_dir); });
  } else {
    const DataDir d{data_dir};
    if (!file_exists(d.slates(SplitPart::Train)) || !file_exists(d.slates(SplitPart::Test)))
      throw Error("[pipeline] data = \"" + data_dir + "\" has no slates_train.jsonl / slates_test.jsonl (see docs/datasets.md)");
    stages.run("data", "external:" + data_dir + "\n" + (file_exists(d.info()) ? read_file(d.info()) : ""), {}, {},
               [](bool) {});
  }
  const DataDir data{data_dir};
  const std::string events = file_exists(data.train_events()) ? data.train_events() : "";

  // sid
  const std::string sid_dir = path("sid");
  stages.run("sid", sections_text(config, {"sid"}), {"data"}, {sid_dir}, [&](bool) {
    sid::EmbedOptions e;
    e.catalog = data.catalog();
    e.events = events;
    e.out = join_path(sid_dir, "embeddings.safetensors");
    e.device = options.device;
    make_directories(sid_dir);
    sid::run_embed(sid_config, e);
    sid::TrainOptions t;
    t.embeddings = e.out;
    t.catalog = data.catalog();
    t.events = events;
    t.out_dir = sid_dir;
    t.device = options.device;
    const auto summary = sid::run_train(sid_config, t);
    std::cerr << "gr2 pipeline: SID uniqueness " << summary.final_stats.uniqueness() * 100 << "%\n";
  });
  const std::string sids_path = join_path(sid_dir, "sids.jsonl");

  // pretrain (unless a base model is given)
  std::string base_dir = settings.base_model;
  if (base_dir.empty()) {
    base_dir = path("pretrain");
    stages.run("pretrain", sections_text(config, {"vocab", "model", "pretrain"}), {"data"}, {base_dir}, [&](bool resume) {
      train::pretrain::PretrainOptions o;
      o.data_dir = data_dir;
      o.out_dir = base_dir;
      o.device = device;
      o.resume = resume;
      train::pretrain::run_pretrain(pretrain_config, o);
    });
  } else {
    stages.run("pretrain", "external:" + base_dir, {}, {}, [](bool) {});
  }

  // midtrain
  const std::string midtrain_dir = path("midtrain");
  stages.run("midtrain", sections_text(config, {"midtrain"}), {"pretrain", "sid"}, {midtrain_dir}, [&](bool resume) {
    train::midtrain::MidtrainOptions o;
    o.base_dir = base_dir;
    o.data_dir = data_dir;
    o.sids_path = sids_path;
    o.out_dir = midtrain_dir;
    o.device = device;
    o.resume = resume;
    train::midtrain::run_midtrain(midtrain_config, o);
    write_file_atomic(join_path(midtrain_dir, "sids.jsonl"), read_file(sids_path));
  });
  // The mid-trained model as a re-ranker answering directly (no think block), reading prompts as
  // the [sft] section renders them. Written on every run, not inside the midtrain stage: [sft] is
  // not part of that stage's fingerprint, so a skipped stage would keep stale prompt settings.
  lm::update_gr2_json(midtrain_dir, "reranker",
                      Json{{"think", false}, {"max_history", sft_config.max_history},
                           {"title_chars", sft_config.title_chars}, {"show_category", sft_config.show_category},
                           {"constrained", true}});

  // traces
  const std::string traces_dir = path("traces");
  const std::string targeted = join_path(traces_dir, "targeted.jsonl");
  const std::string rejection = join_path(traces_dir, "rejection.jsonl");
  const std::string trace_kinds = std::string(settings.sft_targeted ? " targeted" : "") +
                                  (settings.sft_rejection ? " rejection" : "");
  stages.run("traces", sections_text(config, {"traces"}) + trace_kinds, {"data", "sid"}, {traces_dir}, [&](bool) {
    make_directories(traces_dir);
    for (const std::string& f : {targeted, rejection}) std::filesystem::remove(f);
    if (settings.sft_targeted) make_traces(config, data_dir, sids_path, "targeted", targeted, options.device);
    if (settings.sft_rejection) make_traces(config, data_dir, sids_path, "rejection", rejection, options.device);
  });

  // sft
  auto sft_stage = [&](const std::string& name, const std::string& traces) {
    const std::string out = path(name);
    stages.run(name, sections_text(config, {"sft"}), {"midtrain", "traces"}, {out}, [&](bool resume) {
      train::sft::SftOptions o;
      o.init_dir = midtrain_dir;
      o.data_dir = data_dir;
      o.traces_path = traces;
      o.out_dir = out;
      o.device = options.device;
      o.resume = resume;
      train::sft::run_sft(sft_config, o);
    });
  };
  if (settings.sft_targeted) sft_stage("sft_targeted", targeted);
  if (settings.sft_rejection) sft_stage("sft_rejection", rejection);

  // rl
  auto rl_stage = [&](const std::string& name, bool conditional) {
    const std::string out = path(name);
    stages.run(name, sections_text(config, {"rl"}) + (conditional ? "conditional" : "naive"), {settings.rl_init}, {out},
               [&](bool resume) {
                 train::rl::RlConfig c = rl_config;
                 c.reward.conditional = conditional;
                 train::rl::RlOptions o;
                 o.init_dir = path(settings.rl_init);
                 o.data_dir = data_dir;
                 o.out_dir = out;
                 o.device = options.device;
                 o.resume = resume;
                 train::rl::run_rl(c, o);
               });
  };
  if (settings.naive_rl) rl_stage("rl_naive", false);
  rl_stage("rl_conditional", true);

  // legacy re-ranker
  const std::string legacy_dir = path("legacy_" + settings.legacy);
  if (!settings.legacy.empty()) {
    stages.run("legacy", sections_text(config, {"baseline"}) + settings.legacy, {"data"}, {legacy_dir}, [&](bool) {
      legacy::LegacyTrainOptions o;
      o.kind = settings.legacy;
      o.data_dir = data_dir;
      o.out_dir = legacy_dir;
      o.device = options.device;
      legacy::train_legacy(legacy_config, o);
    });
  }

  // eval
  std::vector<std::string> policies;
  for (const auto& p : eval_settings.policies)
    if (p != "oracle" || file_exists(data.truth())) policies.push_back(p);
  if (!settings.legacy.empty()) policies.push_back(settings.legacy + ":" + legacy_dir);
  policies.push_back("lm:" + midtrain_dir);
  if (settings.sft_targeted) policies.push_back("lm:" + path("sft_targeted"));
  if (settings.sft_rejection) policies.push_back("lm:" + path("sft_rejection"));
  if (settings.naive_rl) policies.push_back("lm:" + path("rl_naive"));
  policies.push_back("lm:" + path("rl_conditional"));

  DataEvaluationOptions eo;
  eo.data_dir = data_dir;
  eo.split = SplitPart::Test;
  eo.policies = policies;
  eo.limit = eval_settings.limit;
  eo.sample = eval_settings.sample;
  eo.seed = eval_settings.seed;
  eo.device = options.device;
  eo.eval.bootstrap.resamples = eval_settings.bootstrap;
  eo.eval.bootstrap.seed = eval_settings.seed;
  eo.eval.seed = eval_settings.seed;
  eo.eval.batch_size = eval_settings.batch;
  eo.eval.robustness_slates = eval_settings.robustness_slates;
  // Does RL beat the SFT policy it started from?
  eo.eval.comparisons.emplace_back("rl_conditional", settings.rl_init);
  if (settings.naive_rl) eo.eval.comparisons.emplace_back("rl_naive", settings.rl_init);
  PipelineResult result;
  result.report_dir = path("eval");
  std::cerr << "gr2 pipeline: [eval] " << policies.size() << " policies on the test slates\n";
  Stopwatch eval_clock;
  result.eval = evaluate_data_dir(eo);
  write_report(result.eval, result.report_dir);
  result.seconds = total.seconds();
  Json timing = Json::object();
  for (const auto& [name, s] : stages.timings()) timing[name] = s;
  timing["eval"] = eval_clock.seconds();
  timing["total"] = result.seconds;
  write_file_atomic(join_path(result.report_dir, "timings.json"), timing.dump(2) + "\n");
  return result;
}

}  // namespace gr2::pipeline
