// `gr2 demo`: the main job on the built-in synthetic world — generate the world (skipped when the
// work directory already holds one made from the same config), then evaluate the policies on the
// test slates and print the report. Later stages of the recipe join here as they land.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"
#include "gr2/rank/data_evaluation.h"
#include "gr2/rank/policy_factory.h"
#include "gr2/rank/report.h"

namespace gr2::cli {
namespace {

struct DemoArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string work = "work/demo";
  std::string device = "auto";
  bool force = false;
};

// The [eval] section of a demo/pipeline config.
struct DemoEvalSettings {
  std::vector<std::string> policies;
  int bootstrap = 2000;
  int64_t robustness_slates = 1000;
  uint64_t seed = 0;

  static DemoEvalSettings from_config(const Config& config) {
    ConfigSection s = config.section("eval");
    DemoEvalSettings e;
    e.policies = s.get_string_list("policies", {});
    e.bootstrap = static_cast<int>(s.get_int_in("bootstrap", e.bootstrap, 1, 1000000));
    e.robustness_slates = s.get_int_in("robustness_slates", e.robustness_slates, -1, INT64_MAX);
    e.seed = static_cast<uint64_t>(s.get_int_in("seed", 0, 0, INT64_MAX));
    s.finish();
    for (const auto& name : e.policies) parse_policy_list(name);  // rejects empty names early
    return e;
  }
};

// True when `dir` holds a complete world generated from exactly `config`.
bool world_is_current(const DataDir& dir, const synth::SynthConfig& config) {
  if (!file_exists(dir.info()) || !file_exists(dir.slates(SplitPart::Test))) return false;
  try {
    Json info = Json::parse(read_file(dir.info()));
    return info.contains("config") && info["config"] == config.to_json();
  } catch (const std::exception&) {
    return false;
  }
}

void run_demo(const DemoArgs& args) {
  const c10::Device device = resolve_device(args.device);
  const Config config = Config::load_with_overrides(args.config, args.sets);
  config.check_sections({"synth", "eval"});
  const synth::SynthConfig synth_config = synth::SynthConfig::from_config(config);
  const DemoEvalSettings eval = DemoEvalSettings::from_config(config);

  Stopwatch total;
  make_directories(args.work);
  const DataDir data{join_path(args.work, "data")};
  std::cerr << "gr2 demo: device " << describe_device(device) << "\n";
  if (!args.force && world_is_current(data, synth_config)) {
    std::cerr << "gr2 demo: [1/2] synthetic world in " << data.root << " is current (same config); skipped\n";
  } else {
    std::cerr << "gr2 demo: [1/2] generating the synthetic world in " << data.root << "\n";
    synth::generate_world(synth_config, data.root);
  }

  std::cerr << "gr2 demo: [2/2] evaluating policies on the test slates\n";
  DataEvaluationOptions options;
  options.data_dir = data.root;
  options.split = SplitPart::Test;
  options.policies = eval.policies;
  options.seed = eval.seed;
  options.eval.bootstrap.resamples = eval.bootstrap;
  options.eval.bootstrap.seed = eval.seed;
  options.eval.seed = eval.seed;
  options.eval.robustness_slates = eval.robustness_slates;
  EvalResult result = evaluate_data_dir(options);
  const std::string report_dir = join_path(args.work, "eval");
  write_report(result, report_dir);
  std::cout << format_report_markdown(result);
  std::cout.flush();
  std::cerr << "gr2 demo: done in " << Progress::format_duration(total.seconds()) << "; report in "
            << join_path(report_dir, "report.md") << " (.json, .svg)\n";
}

void add_demo_command(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the main job on the built-in synthetic world: generate it (skipped when WORK already\n"
      "holds one from the same config), then evaluate the policies on its test slates and print\n"
      "the report (also written to WORK/eval/report.md, .json, .svg). With no --config, the\n"
      "defaults are used (the same as configs/demo.toml).\n"
      "Example: gr2 demo --config configs/demo.toml --work work/demo");
  cmd->add_option("--config", args->config, "TOML config ([synth] and [eval] sections)")->check(CLI::ExistingFile);
  cmd->add_option("--set", args->sets, "Override a key: --set synth.num_users=500 (repeatable)");
  cmd->add_option("--work", args->work, "Work directory for every output")->capture_default_str();
  cmd->add_flag("--force", args->force, "Regenerate the world even when it is current");
  add_device_option(*cmd, args->device);
  cmd->callback([args] { run_demo(*args); });
}

}  // namespace
GR2_REGISTER_COMMAND(1000, add_demo_command);
}  // namespace gr2::cli
