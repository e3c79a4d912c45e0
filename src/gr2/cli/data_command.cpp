// `gr2 data`: the command group that produces data directories (DataDir). `gr2 data synth` writes
// the built-in synthetic world; later subcommands (`gr2 data import ...`) add loaders for logged
// data. Argument parsing only: the work is in gr2/data/synth.
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/core/timing.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/synth/synth_config.h"
#include "gr2/data/synth/synth_world.h"

namespace gr2::cli {
namespace {

struct SynthArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string out;
  int64_t seed = 0;
  CLI::Option* seed_option = nullptr;  // given on the command line: overrides synth.seed
};

// The [synth] knobs: the config file (if any), then --set overrides, then --seed.
synth::SynthConfig load_synth_config(const SynthArgs& args) {
  const Config config = Config::load_with_overrides(args.config, args.sets, "synth", "gr2 data synth");
  synth::SynthConfig c = synth::SynthConfig::from_config(config);
  if (args.seed_option && args.seed_option->count() > 0) {
    require(args.seed >= 0, "--seed: must be >= 0 (got " + std::to_string(args.seed) + ")");
    c.seed = static_cast<uint64_t>(args.seed);
  }
  return c;
}

std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void run_synth(const SynthArgs& args) {
  const synth::SynthConfig config = load_synth_config(args);
  Stopwatch clock;
  const synth::SynthSummary s = synth::generate_world(config, args.out);
  const double seconds = clock.seconds();
  std::cout << "gr2 data synth: wrote " << args.out << " (seed " << config.seed << ")\n"
            << "  items " << with_commas(s.items) << ", users " << with_commas(s.users) << ", events "
            << with_commas(s.events) << " (train " << with_commas(s.train_events) << ", organic "
            << with_commas(s.organic_events) << ")\n"
            << "  slates train " << with_commas(s.slates[0]) << ", valid " << with_commas(s.slates[1])
            << ", test " << with_commas(s.slates[2]) << "; with a positive "
            << std::fixed << std::setprecision(1)
            << (s.total_slates() > 0 ? 100.0 * s.slates_with_positive / s.total_slates() : 0.0) << "%, "
            << std::setprecision(2) << (s.total_slates() > 0 ? double(s.clicks) / s.total_slates() : 0.0)
            << " positives per slate\n"
            << "  " << std::setprecision(1) << seconds << " s: "
            << with_commas(static_cast<int64_t>(s.events / std::max(seconds, 1e-9))) << " events/s, "
            << with_commas(static_cast<int64_t>(s.total_slates() / std::max(seconds, 1e-9))) << " slates/s\n";
}

void add_synth_command(CLI::App& data) {
  auto args = std::make_shared<SynthArgs>();
  auto* cmd = data.add_subcommand(
      "synth",
      "Generate the built-in synthetic shop: a seeded simulation of users with hidden tastes,\n"
      "routines (shampoo -> conditioner), repeat purchases and drifting interests; an upstream\n"
      "ranker that sees only part of the truth builds each slate of K candidates (the incoming\n"
      "order); position-biased clicks and purchases give the labels, and truth.jsonl keeps the\n"
      "true relevance for the oracle. Every knob lives in the [synth] section of a TOML config\n"
      "(see docs/synthetic_world.md). Writes catalog.jsonl, corpus.txt, events.jsonl,\n"
      "events_train.jsonl, slates_{train,valid,test}.jsonl, truth.jsonl and data.json.\n"
      "Example: gr2 data synth --config configs/demo.toml --out work/data");
  cmd->add_option("--config", args->config, "TOML config; only its [synth] section is read")
      ->check(CLI::ExistingFile);
  cmd->add_option("--set", args->sets, "Override a knob: --set synth.num_items=20000 (repeatable)");
  args->seed_option =
      cmd->add_option("--seed", args->seed, "Seed >= 0 (overrides synth.seed; same seed = identical files)");
  cmd->add_option("--out", args->out, "Output data directory (created if missing)")->required();
  cmd->callback([args] { run_synth(*args); });
}

void add_data_command(CLI::App& app) {
  auto* data = app.add_subcommand(
      "data",
      "Produce a data directory (catalog, events, train/valid/test slates, corpus) for the other\n"
      "stages. Subcommands: synth (the built-in synthetic world).");
  data->require_subcommand(1);
  add_synth_command(*data);
}

}  // namespace
GR2_REGISTER_COMMAND(10, add_data_command);
}  // namespace gr2::cli
