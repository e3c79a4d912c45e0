// `gr2 traces`: asks a teacher (heuristic, http, checkpoint:DIR) to rank and explain the training
// slates (those with a positive, or all in distill mode), in targeted, rejection or distill mode, and writes the traces as JSONL (resumable)
// with a report. Argument parsing only: the work is in gr2/train (trace_generation, teachers).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/train/traces/traces_config.h"
#include "gr2/train/traces/traces_stage.h"

namespace gr2::cli {
namespace {

struct TracesArgs {
  std::string data, sids, out, config, vocab;
  std::vector<std::string> sets;
  std::string teacher, mode;
  std::string device = "cpu";
  int attempts = 0;
  double temperature = 0;
  int64_t limit = 0, seed = 0;
  int batch = 0;
  bool quiet = false;
};

void run_traces(const TracesArgs& a, const CLI::App& cmd) {
  const Config config = Config::load_with_overrides(a.config, a.sets, "traces", "gr2 traces");
  train::traces::TracesConfig c = train::traces::TracesConfig::from_config(config);
  if (cmd.count("--teacher")) c.teacher = a.teacher;
  if (cmd.count("--mode")) c.mode = a.mode;
  if (cmd.count("--attempts")) c.attempts = a.attempts;
  if (cmd.count("--temperature")) c.temperature = a.temperature;
  if (cmd.count("--limit")) c.limit = a.limit;
  if (cmd.count("--seed")) c.seed = static_cast<uint64_t>(a.seed);
  if (cmd.count("--batch")) c.batch = a.batch;
  c.validate();

  train::traces::TracesStageOptions options;
  options.data_dir = a.data;
  options.sids_path = a.sids;
  options.out_path = a.out;
  options.vocab_dir = a.vocab;
  options.device = a.device;
  options.show_progress = !a.quiet;
  options.run_info = Json{{"config", a.config}};
  const train::traces::TraceRunResult r = train::traces::run_traces_stage(c, options);

  std::cout << "gr2 traces: " << r.eligible << (c.mode == "distill" ? " slates" : " slates with a positive") << " (of "
            << r.slates << "), " << r.resumed
            << " already in " << a.out << ", " << r.made << " made";
  if (r.torn_lines) std::cout << " (a torn last line was dropped)";
  std::cout << "\n";
  if (r.unanswered) {
    std::cout << "warning: the teacher never answered " << r.unanswered
              << " requests (timeouts, connection or HTTP errors; not written, run again to retry them); first: "
              << r.first_unanswered << "\n";
  }
  std::cout << r.report.format() << "wrote " << a.out << " and " << r.report_path << "\n";
}

void add_traces_command(CLI::App& app) {
  auto a = std::make_shared<TracesArgs>();
  auto* cmd = app.add_subcommand(
      "traces",
      "Make reasoning traces for SFT: a teacher ranks and explains each training slate that has a\n"
      "positive (DATA/slates_train.jsonl), citing items by SID. --mode targeted shows the teacher the\n"
      "best positive, which it must put first and explain; --mode rejection hides it and keeps a trace\n"
      "only when its top-1 is a positive (up to --attempts samples); --mode distill ranks every training\n"
      "slate, with or without a positive, and keeps the teacher's answer (the student imitates the teacher\n"
      "where no label exists). Teachers: heuristic (the built-in\n"
      "analyst, an offline stand-in for a large teacher LLM), http (an OpenAI-compatible chat server;\n"
      "traces.http_* keys), checkpoint:DIR (a local gr2 SFT/RL model, not targeted). Appends to --out and resumes: request\n"
      "ids already there are skipped. Writes OUT.report.json. Knobs: the [traces] config section.\n"
      "See docs/traces.md.\n"
      "Example: gr2 traces --data work/data --sids work/sid/sids.jsonl --out work/traces.jsonl --mode rejection");
  cmd->add_option("--data", a->data, "Data directory (catalog.jsonl, slates_train.jsonl, events_train.jsonl)")->required();
  cmd->add_option("--sids", a->sids, "SID table (sids.jsonl from 'gr2 sid train')")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "Traces file to write or resume (JSONL)")->required();
  cmd->add_option("--teacher", a->teacher, "heuristic, http or checkpoint:DIR (traces.teacher; default heuristic)");
  cmd->add_option("--mode", a->mode, "targeted, rejection or distill (traces.mode; default rejection)")
      ->check(CLI::IsMember({"targeted", "rejection", "distill"}));
  cmd->add_option("--attempts", a->attempts, "Max attempts per slate (traces.attempts; default 4)")->check(CLI::Range(1, 1000));
  cmd->add_option("--temperature", a->temperature, "Teacher sampling temperature (traces.temperature; default 0.5)")
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--limit", a->limit, "Only the first N eligible slates (with a positive; any in distill mode) (traces.limit; 0 = all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", a->seed, "Seed (traces.seed)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--batch", a->batch, "Slates per teacher batch (traces.batch; default 64)")->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--device", a->device, "Device of the checkpoint teacher: auto, cpu, cuda or cuda:N")->capture_default_str();
  cmd->add_option("--vocab", a->vocab, "Vocabulary directory ('gr2 vocab train'): report exact reasoning lengths in tokens");
  cmd->add_option("--config", a->config, "TOML config; only its [traces] section is read")->check(CLI::ExistingFile);
  cmd->add_option("--set", a->sets, "Override a knob: --set traces.http_model=qwen3-32b (repeatable)");
  cmd->add_flag("--quiet", a->quiet, "No progress line on stderr");
  cmd->callback([a, cmd] { run_traces(*a, *cmd); });
}

}  // namespace
GR2_REGISTER_COMMAND(80, add_traces_command);
}  // namespace gr2::cli
