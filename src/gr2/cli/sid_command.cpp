// `gr2 sid`: the semantic-ID tokenizer. Subcommands embed (catalog -> item embeddings), train
// (embeddings -> codebooks.safetensors, sids.jsonl, report) and assign (trained tokenizer -> SIDs
// of new items, streamed). Argument parsing only: the work is in gr2/sid.
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "gr2/cli/command.h"
#include "gr2/core/config.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/data/data_dir.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_pipeline.h"

namespace gr2::cli {
namespace {

struct CommonArgs {
  std::string config;
  std::vector<std::string> sets;
  std::string device = "auto";
  int threads = -1;
};

void add_common(CLI::App& cmd, CommonArgs& args) {
  cmd.add_option("--config", args.config, "TOML config; only its [sid] section is read")->check(CLI::ExistingFile);
  cmd.add_option("--set", args.sets, "Override a knob: --set sid.codes=128 (repeatable)");
  add_device_option(cmd, args.device);
  cmd.add_option("--threads", args.threads, "LibTorch CPU threads (-1: LibTorch's default, 0: all hardware threads)")
      ->capture_default_str();
}

sid::SidConfig load_config(const CommonArgs& args) {
  const Config config = Config::load_with_overrides(args.config, args.sets, "sid", "gr2 sid");
  sid::SidConfig c = sid::SidConfig::from_config(config);
  sid::set_threads(args.threads);
  return c;
}

std::string percent(double v) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << 100.0 * v << "%";
  return s.str();
}

void add_embed(CLI::App& group) {
  auto args = std::make_shared<CommonArgs>();
  auto data = std::make_shared<std::string>();
  auto opts = std::make_shared<sid::EmbedOptions>();
  auto* cmd = group.add_subcommand(
      "embed",
      "Build item embeddings from the catalog: TF-IDF over title, category path and brand words\n"
      "(unigrams + bigrams) -> randomized truncated SVD (sid.embed_dim) -> L2-normalised; with\n"
      "sid.collab_dim > 0 also a co-occurrence part from the training events.\n"
      "Writes OUT (.safetensors, tensor 'embeddings' [N, d]), OUT's .ids.txt (one id per row) and\n"
      "OUT's .text_embedder.safetensors (embeds a new item's text into the same space: gr2 serve --sid).\n"
      "Example: gr2 sid embed --data work/data --out work/sid/emb.safetensors");
  cmd->add_option("--data", *data, "Data directory (catalog.jsonl, events_train.jsonl)");
  cmd->add_option("--catalog", opts->catalog, "catalog.jsonl (instead of --data)");
  cmd->add_option("--events", opts->events, "events for the collaborative part (default: the data dir's)");
  cmd->add_option("--out", opts->out, "Output embeddings (.safetensors)")->required();
  add_common(*cmd, *args);
  cmd->callback([args, data, opts] {
    sid::SidConfig config = load_config(*args);
    sid::EmbedOptions o = *opts;
    o.device = args->device;
    if (!data->empty()) {
      DataDir dir{*data};
      if (o.catalog.empty()) o.catalog = dir.catalog();
      if (o.events.empty()) o.events = learnable_events(dir);
    }
    require(!o.catalog.empty(), "gr2 sid embed: give --data DIR or --catalog FILE");
    sid::EmbedSummary s = sid::run_embed(config, o);
    std::cout << "gr2 sid embed: " << s.items << " items -> " << o.out << " (d = " << s.dim << ", vocabulary "
              << s.vocabulary << " terms, " << s.items_without_terms << " items without terms";
    if (config.collab_dim > 0) std::cout << ", " << s.items_with_events << " items with co-occurrences";
    std::cout << ") in " << std::fixed << std::setprecision(1) << s.seconds << " s\n";
    if (!s.text_model.empty()) std::cout << "gr2 sid embed: new items' text model -> " << s.text_model << "\n";
  });
}

void add_train(CLI::App& group) {
  auto args = std::make_shared<CommonArgs>();
  auto data = std::make_shared<std::string>();
  auto method = std::make_shared<std::string>();
  auto opts = std::make_shared<sid::TrainOptions>();
  auto* cmd = group.add_subcommand(
      "train",
      "Train the tokenizer (sid.method: rq_vae, default, or rq_kmeans) on item embeddings and export\n"
      "SIDs: nearest codes, then the random last level (sid.random_last_level), then de-duplication\n"
      "(sid.dedup) so every SID is unique. Writes OUT/codebooks.safetensors, OUT/sids.jsonl,\n"
      "OUT/report.{md,json}, OUT/train_log.jsonl and OUT/checkpoint/ (a killed run resumes from it;\n"
      "--fresh starts over). Without --embeddings, embeds the --data catalog first.\n"
      "Example: gr2 sid train --embeddings work/sid/emb.safetensors --data work/data --out work/sid");
  cmd->add_option("--embeddings", opts->embeddings, "Item embeddings: .safetensors [N, d] or .npy");
  cmd->add_option("--ids", opts->ids, "Item ids, one per row (default: EMBEDDINGS with .ids.txt)");
  cmd->add_option("--data", *data, "Data directory: categories for the report, events for sid.contrastive_weight");
  cmd->add_option("--out", opts->out_dir, "Output directory")->required();
  cmd->add_option("--method", *method, "Override sid.method (rq_vae or rq_kmeans)");
  cmd->add_flag("--fresh", opts->fresh, "Ignore an existing checkpoint in OUT/checkpoint");
  cmd->add_option("--stop-after", opts->stop_after_step, "Stop after this step, leaving a checkpoint (testing resume)");
  add_common(*cmd, *args);
  cmd->callback([args, data, method, opts] {
    sid::SidConfig config = load_config(*args);
    if (!method->empty()) {
      config.method = *method;
      config.validate();
    }
    sid::TrainOptions o = *opts;
    o.device = args->device;
    if (!data->empty()) {
      DataDir dir{*data};
      o.catalog = dir.catalog();
      o.events = learnable_events(dir);
    }
    if (o.embeddings.empty()) {
      require(!data->empty(), "gr2 sid train: give --embeddings FILE or --data DIR (to embed its catalog)");
      make_directories(o.out_dir);
      sid::EmbedOptions e;
      e.catalog = o.catalog;
      e.events = o.events;
      e.out = join_path(o.out_dir, "embeddings.safetensors");
      e.device = args->device;
      sid::EmbedSummary es = sid::run_embed(config, e);
      std::cout << "gr2 sid train: embedded " << es.items << " items (d = " << es.dim << ") in " << std::fixed
                << std::setprecision(1) << es.seconds << " s\n";
      o.embeddings = e.out;
      o.ids.clear();
    }
    sid::SidTrainSummary s = sid::run_train(config, o);
    if (s.resumed) std::cout << "gr2 sid train: resumed from step " << s.resumed_from_step << "\n";
    if (s.stopped) {
      std::cout << "gr2 sid train: stopped at step " << o.stop_after_step << "; checkpoint in "
                << join_path(o.out_dir, "checkpoint") << "\n";
      return;
    }
    std::cout << "gr2 sid train: " << s.final_stats.items << " items, " << config.method << " "
              << config.levels << " x " << config.codes << ", trained in " << std::fixed << std::setprecision(1)
              << s.train_seconds << " s (total " << s.total_seconds << " s)\n"
              << "  uniqueness: nearest codes " << percent(s.nearest.uniqueness()) << ", before de-dup "
              << percent(s.before_dedup.uniqueness()) << " (" << s.before_dedup.collision_groups
              << " collision groups, largest " << s.before_dedup.largest_group << "), final "
              << percent(s.final_stats.uniqueness()) << " (de-dup moved " << s.moved_by_dedup << " items)\n"
              << "  relative reconstruction error " << percent(s.relative_error) << "; report: "
              << join_path(o.out_dir, "report.md") << "\n";
  });
}

void add_assign(CLI::App& group) {
  auto args = std::make_shared<CommonArgs>();
  auto opts = std::make_shared<sid::AssignOptions>();
  auto* cmd = group.add_subcommand(
      "assign",
      "Give SIDs to (new) items with a trained tokenizer, reading the embeddings in batches so that\n"
      "millions of items fit in bounded memory. With a random last level, each item's last code is\n"
      "drawn from its id and moved to the next code free for its prefix. --existing keeps the SIDs\n"
      "of items already assigned and makes new items avoid them.\n"
      "Example: gr2 sid assign --model work/sid/codebooks.safetensors --embeddings new.safetensors --out new_sids.jsonl");
  cmd->add_option("--model", opts->model, "codebooks.safetensors from 'gr2 sid train'")->required()->check(CLI::ExistingFile);
  cmd->add_option("--embeddings", opts->embeddings, "Item embeddings: .safetensors [N, d] or .npy")->required();
  cmd->add_option("--ids", opts->ids, "Item ids, one per row (default: EMBEDDINGS with .ids.txt)");
  cmd->add_option("--existing", opts->existing, "sids.jsonl of items that already have SIDs");
  cmd->add_option("--batch", opts->batch, "Rows per batch")->capture_default_str();
  cmd->add_option("--out", opts->out, "Output sids.jsonl")->required();
  auto device = std::make_shared<std::string>("auto");
  add_device_option(*cmd, *device);
  auto threads = std::make_shared<int>(-1);
  cmd->add_option("--threads", *threads, "LibTorch CPU threads (-1: LibTorch's default, 0: all hardware threads)")->capture_default_str();
  cmd->callback([opts, device, threads] {
    sid::set_threads(*threads);
    sid::AssignOptions o = *opts;
    o.device = *device;
    sid::AssignSummary s = sid::run_assign(o);
    std::cout << "gr2 sid assign: " << s.items << " items -> " << o.out << " in " << std::fixed
              << std::setprecision(2) << s.seconds << " s (" << std::setprecision(0)
              << s.items / std::max(s.seconds, 1e-9) << " items/s); " << s.collisions
              << " items share a SID with an earlier item\n";
  });
  (void)args;
}

void add_sid_command(CLI::App& app) {
  auto* group = app.add_subcommand(
      "sid",
      "Semantic-ID tokenizer: map every item to L codes (default 4 x 256) with an RQ-VAE (or\n"
      "RQ-KMeans), at least 99% unique before de-duplication. Knobs: the [sid] config section\n"
      "(docs/sid.md). Subcommands: embed, train, assign.");
  group->require_subcommand(1);
  add_embed(*group);
  add_train(*group);
  add_assign(*group);
}

}  // namespace
GR2_REGISTER_COMMAND(20, add_sid_command);
}  // namespace gr2::cli
