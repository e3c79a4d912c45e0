// `gr2 pipeline CONFIG` and `gr2 demo`: the whole recipe (data -> sid -> pretrain -> midtrain ->
// traces -> sft -> rl -> eval) in a work directory, skipping current stages. `demo` is the pipeline
// on the built-in synthetic world with the demo config. Argument parsing only: see gr2/pipeline.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/progress.h"
#include "gr2/dist/world.h"
#include "gr2/pipeline/pipeline.h"
#include "gr2/rank/report.h"

namespace gr2::cli {
namespace {

void run_and_print(const pipeline::PipelineOptions& options, const std::string& label) {
  // Its data, SID, traces and evaluation stages would run (and write) on every rank.
  if (dist::world_config_from_env().size > 1)
    throw Error("gr2 " + label + " runs in one process; launch its training stages one by one instead "
                "(gr2 launch --nproc N -- gr2 sft ..., docs/distributed.md)");
  const pipeline::PipelineResult r = pipeline::run_pipeline(options);
  std::cout << format_report_markdown(r.eval);
  std::cout.flush();
  std::cerr << "gr2 " << label << ": done in " << Progress::format_duration(r.seconds) << "; report in "
            << join_path(r.report_dir, "report.md") << " (.json, .svg; stage timings in timings.json)\n";
}

void add_options(CLI::App& cmd, pipeline::PipelineOptions& o) {
  cmd.add_option("--set", o.sets, "Override a key: --set rl.steps=10 (repeatable)");
  cmd.add_option("--work", o.work, "Work directory for every output")->capture_default_str();
  cmd.add_flag("--force", o.force, "Rerun every stage even when it is current");
  add_device_option(cmd, o.device);
}

void add_pipeline_command(CLI::App& app) {
  auto o = std::make_shared<pipeline::PipelineOptions>();
  auto* cmd = app.add_subcommand(
      "pipeline",
      "Run the GR2 recipe end to end in a work directory: data -> sid -> pretrain -> midtrain -> traces\n"
      "(targeted, rejection) -> sft -> rl (naive, conditional) -> eval. Each stage records a stamp in\n"
      "WORK/stages; a stage whose config and inputs did not change is skipped, and a killed run resumes.\n"
      "[pipeline] data = DIR uses an existing data directory (e.g. imported Amazon Beauty) instead of the\n"
      "synthetic world; base_model = DIR mid-trains a given checkpoint instead of pretraining. See docs/pipeline.md.\n"
      "Example: gr2 pipeline configs/quick.toml --work work/quick");
  cmd->add_option("config", o->config_path, "TOML config (sections: pipeline, synth, sid, vocab, model, pretrain, midtrain, traces, sft, rl, baseline, eval)")
      ->required()
      ->check(CLI::ExistingFile);
  add_options(*cmd, *o);
  cmd->callback([o] { run_and_print(*o, "pipeline"); });
}

void add_demo_command(CLI::App& app) {
  auto o = std::make_shared<pipeline::PipelineOptions>();
  auto* cmd = app.add_subcommand(
      "demo",
      "The main job: the whole GR2 recipe on the built-in synthetic world (gr2 pipeline with the demo\n"
      "config), ending with the report of every policy on the test slates (also in WORK/eval/report.md,\n"
      ".json, .svg). Rerunning skips the stages that are current.\n"
      "Example: gr2 demo --config configs/demo.toml --work work/demo");
  cmd->add_option("--config", o->config_path, "TOML config (default: the built-in defaults of every section; make demo passes configs/demo.toml)")
      ->check(CLI::ExistingFile);
  add_options(*cmd, *o);
  cmd->callback([o] { run_and_print(*o, "demo"); });
}

}  // namespace
GR2_REGISTER_COMMAND(990, add_pipeline_command);
GR2_REGISTER_COMMAND(1000, add_demo_command);
}  // namespace gr2::cli
