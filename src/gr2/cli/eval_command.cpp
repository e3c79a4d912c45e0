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
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/slates.h"
#include "gr2/data/truth.h"
#include "gr2/rank/evaluation.h"
#include "gr2/rank/policy_factory.h"
#include "gr2/rank/report.h"

namespace gr2::cli {
namespace {

struct EvalArgs {
  std::string data;
  std::string split = "test";
  std::string policies;  // empty: the default list
  std::string out;       // empty: DATA/eval
  uint64_t seed = 0;
  int bootstrap = 2000;
  int64_t limit = 0;
  int batch = 64;
  int64_t robustness = 1000;
  bool quiet = false;
};

SplitPart parse_split(const std::string& name) {
  if (name == "train") return SplitPart::Train;
  if (name == "valid") return SplitPart::Valid;
  if (name == "test") return SplitPart::Test;
  throw Error("--split: unknown split '" + name + "' (expected train, valid or test)");
}

bool needs_train_events(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (n == "popularity" || n == "heuristic") return true;
  }
  return false;
}

void run_eval(const EvalArgs& args) {
  require(args.bootstrap >= 1, "--bootstrap: the number of resamples must be >= 1");
  require(args.limit >= 0, "--limit: must be >= 0 (0 = every slate)");
  require(args.batch >= 1, "--batch: must be >= 1");
  const DataDir dir{args.data};
  const SplitPart part = parse_split(args.split);
  require(file_exists(dir.catalog()),
          "--data " + args.data + ": no catalog.jsonl there (expected a data directory written by "
          "'gr2 data')");
  const std::string slates_path = dir.slates(part);
  require(file_exists(slates_path), "--data " + args.data + ": no " + slates_path +
                                        " (is --split right? expected slates_<split>.jsonl)");

  const bool have_truth = file_exists(dir.truth());
  std::vector<std::string> names;
  if (args.policies.empty()) {
    for (const auto& n : known_policy_names()) {
      if (n == "oracle" && !have_truth) continue;
      names.push_back(n);
    }
  } else {
    names = parse_policy_list(args.policies);
  }

  const Catalog catalog = Catalog::read_jsonl(dir.catalog());
  std::vector<Slate> slates = read_slates(slates_path, &catalog);
  if (args.limit > 0 && static_cast<int64_t>(slates.size()) > args.limit) {
    slates.resize(static_cast<size_t>(args.limit));
  }
  std::vector<Event> train_events;
  const bool have_events = needs_train_events(names) && file_exists(dir.train_events());
  if (have_events) train_events = read_events(dir.train_events(), &catalog);
  TruthTable truth;
  if (have_truth) truth = read_truth(dir.truth());

  PolicyContext context;
  context.catalog = &catalog;
  context.train_events = have_events ? &train_events : nullptr;
  context.truth = have_truth ? &truth : nullptr;
  context.seed = args.seed;
  context.slates = &slates;
  std::vector<std::unique_ptr<Policy>> owned;
  std::vector<Policy*> policies;
  for (const auto& n : names) {
    owned.push_back(make_policy(n, context));
    policies.push_back(owned.back().get());
  }

  EvalOptions options;
  options.bootstrap.resamples = args.bootstrap;
  options.bootstrap.seed = args.seed;
  options.seed = args.seed;
  options.batch_size = args.batch;
  options.robustness_slates = args.robustness;
  options.show_progress = !args.quiet;
  EvalResult result = evaluate(policies, slates, options);
  result.data = args.data;
  result.split = args.split;

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
                      "). Default: all of them, without oracle when the data has no truth.jsonl");
  cmd->add_option("--out", args->out, "Output directory for report.md/.json/.svg (default: DATA/eval)");
  cmd->add_option("--seed", args->seed, "Seed of the random policy, the robustness shuffles and the bootstrap")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->bootstrap, "Bootstrap resamples for the 95% intervals")
      ->capture_default_str();
  cmd->add_option("--limit", args->limit, "Evaluate only the first N slates of the split (0 = all)")
      ->capture_default_str();
  cmd->add_option("--batch", args->batch, "Requests per policy call (LM policies batch them)")
      ->capture_default_str();
  cmd->add_option("--robustness-slates", args->robustness,
                  "Slates re-ranked shuffled for the order-robustness diagnostic (0 = skip, -1 = all)")
      ->capture_default_str();
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace
GR2_REGISTER_COMMAND(110, add_eval_command);
}  // namespace gr2::cli
