// `gr2 eval`: evaluates policies on a split of a data directory and writes the report (Markdown
// on stdout and in report.md, report.json, report.svg). Argument parsing only; the work is in
// gr2/rank/evaluation and gr2/rank/report.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/eval/data_evaluation.h"
#include "gr2/eval/policy_factory.h"
#include "gr2/rank/report.h"

namespace gr2::cli {
namespace {

struct EvalArgs {
  std::string data;
  std::string split = "test";
  std::string policies;  // empty: the default list
  std::vector<std::string> compare;  // "POLICY:REFERENCE" row names
  std::string out;       // empty: DATA/eval
  uint64_t seed = 0;
  int bootstrap = 2000;
  int64_t limit = 0;
  int64_t sample = 0;
  int batch = 64;
  int64_t robustness = 1000;
  bool quiet = false;
  std::string device = "cpu";
};

void run_eval(const EvalArgs& args) {
  require(args.bootstrap >= 1, "--bootstrap: the number of resamples must be >= 1");
  require(args.batch >= 1, "--batch: must be >= 1");
  DataEvaluationOptions options;
  options.data_dir = args.data;
  options.split = parse_split_name(args.split);
  if (!args.policies.empty()) options.policies = parse_policy_list(args.policies);
  options.limit = args.limit;
  options.sample = args.sample;
  options.seed = args.seed;
  options.device = args.device;
  options.eval.bootstrap.resamples = args.bootstrap;
  options.eval.bootstrap.seed = args.seed;
  options.eval.seed = args.seed;
  options.eval.batch_size = args.batch;
  options.eval.robustness_slates = args.robustness;
  options.eval.show_progress = !args.quiet;
  for (const std::string& c : args.compare) {
    const size_t colon = c.find(':');
    require(colon != std::string::npos && colon > 0 && colon + 1 < c.size(),
            "--compare '" + c + "': expected POLICY:REFERENCE (row names, e.g. rl_conditional:sft_targeted)");
    options.eval.comparisons.emplace_back(c.substr(0, colon), c.substr(colon + 1));
  }
  EvalResult result = evaluate_data_dir(options);

  const std::string out_dir = args.out.empty() ? join_path(args.data, "eval") : args.out;
  write_report(result, out_dir);
  std::cout << format_report_markdown(result);
  std::cout.flush();
  if (!args.quiet) {
    std::cerr << "gr2 eval: wrote " << join_path(out_dir, "report.md") << ", report.json, report.svg\n";
  }
}

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Evaluate re-ranking policies on a split of a data directory.\n"
      "Reports R@1, R@3, R@5, N@3, N@5 and AUC per policy with the 95% paired-bootstrap interval\n"
      "of the difference to the incoming order, plus diagnostics (invalid answers, identity\n"
      "copies, position bias of the top-1, order robustness, latency). Prints the Markdown\n"
      "report and writes report.md, report.json and report.svg into --out.\n"
      "Slates without a positive label are skipped (and counted). See docs/evaluation.md.\n"
      "Example: gr2 eval --data work/data --policies incoming,popularity,oracle");
  cmd->add_option("--data", args->data,
                  "Data directory (catalog.jsonl, slates_<split>.jsonl; events_train.jsonl for "
                  "popularity/heuristic; truth.jsonl for oracle)")
      ->required();
  cmd->add_option("--split", args->split, "Which slates to evaluate: train, valid or test")
      ->capture_default_str();
  std::string known;
  for (const auto& n : known_policy_names()) known += (known.empty() ? "" : ",") + n;
  cmd->add_option("--policies", args->policies,
                  "Comma-separated policies (known: " + known +
                      "; trained baselines: din:MODEL_DIR, prm:MODEL_DIR from 'gr2 baseline train'; LM re-rankers: lm:CHECKPOINT_DIR from gr2 midtrain/sft/rl). "
                      "Default: all of them, without oracle when the data has no truth.jsonl");
  cmd->add_option("--out", args->out, "Output directory for report.md/.json/.svg (default: DATA/eval)");
  cmd->add_option("--seed", args->seed, "Seed of the random policy, the robustness shuffles and the bootstrap")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->bootstrap, "Bootstrap resamples for the 95% intervals")
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Evaluate only the first N slates of the split (0 = all)")
      ->capture_default_str();
  cmd->add_option("--sample", args->sample,
                  "Evaluate a fixed random sample of N slates with a positive label (0 = all; the same sample every run)")
      ->capture_default_str();
  add_device_option(*cmd, args->device);
  cmd->add_option("--batch", args->batch, "Requests per policy call (LM policies batch them)")
      ->capture_default_str();
  cmd->add_option("--robustness-slates", args->robustness,
                  "Slates re-ranked shuffled for the order-robustness diagnostic (0 = skip, -1 = all)")
      ->capture_default_str();
  cmd->add_option("--compare", args->compare,
                  "Also report POLICY against REFERENCE with a paired interval, by row name (repeatable), "
                  "e.g. --compare rl_conditional:sft_targeted for lm:W/rl_conditional and lm:W/sft_targeted");
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace
GR2_REGISTER_COMMAND(110, add_eval_command);
}  // namespace gr2::cli
