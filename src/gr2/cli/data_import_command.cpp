// `gr2 data import amazon|movielens`: turns a public dataset into a data directory (DataDir) with the
// leave-one-out split of TIGER/P5. Adds `import` under the `gr2 data` group that data_command.cpp
// creates (hence the larger registration order). Argument parsing and printing only: the work is
// in gr2/data/import.
#include <iostream>
#include <memory>
#include <string>

#include "gr2/cli/command.h"
#include "gr2/core/error.h"
#include "gr2/core/timing.h"
#include "gr2/data/import/amazon.h"
#include "gr2/data/import/data_dir_writer.h"
#include "gr2/data/import/movielens.h"

namespace gr2::cli {
namespace {

struct ImportArgs {
  std::string sequences, items;  // amazon
  std::string inter, item;       // movielens
  std::string out;
  int kcore = 0;
  bool skip_bad_rows = false;
};

// The shared tail of both imports: k-core, split, write, print.
void finish_import(importer::ImportedDataset data, const ImportArgs& args, const Json& options, const Stopwatch& clock) {
  const importer::PreparedSummary summary = importer::prepare_dataset(data, args.kcore);
  importer::write_data_dir(data, summary, options, args.out);
  std::cout << data.generator << ": wrote " << args.out << " in " << std::fixed;
  std::cout.precision(2);
  std::cout << clock.seconds() << " s\n" << summary.describe();
  if (!data.skipped.empty()) std::cout << data.skipped.describe();
  std::cout << "  files: catalog.jsonl events.jsonl events_train.jsonl sequences.jsonl corpus.txt data.json\n";
}

void add_amazon(CLI::App& import) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = import.add_subcommand(
      "amazon",
      "Import an Amazon review dataset shipped in the P5 / S3-Rec format (Beauty, Sports, Toys, ...):\n"
      "  --sequences: one user per line, 'user_id item_id item_id ...', oldest first (e.g. Beauty.txt);\n"
      "  --items: items.tsv, tab separated with header 'item_id asin title brand categories',\n"
      "           categories joined by ' | '; an empty title is replaced by '<brand> <last category>'.\n"
      "The format has no timestamps: event ts = position in the sequence. Bad rows are errors naming\n"
      "file:line unless --skip-bad-rows (then skipped, counted, printed and saved in data.json).\n"
      "Example: gr2 data import amazon --sequences $DATA/amazon-beauty/Beauty.txt \\\n"
      "           --items $DATA/amazon-beauty/items.tsv --out work/beauty");
  cmd->add_option("--sequences", args->sequences, "Sequences file: 'user_id item_id item_id ...' per line")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--items", args->items, "items.tsv: item_id, asin, title, brand, categories (tab separated)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output data directory (created if missing)")->required();
  cmd->add_option("--kcore", args->kcore, "Keep only users and items with >= N interactions, iteratively (0 = off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--skip-bad-rows", args->skip_bad_rows,
                "Skip and count malformed/duplicate item rows, empty or repeated user lines and sequence items\n"
                "missing from items.tsv, instead of failing");
  cmd->callback([args] {
    Stopwatch clock;
    importer::ImportedDataset data = importer::load_amazon({args->sequences, args->items, args->skip_bad_rows});
    const Json options{{"kcore", args->kcore}, {"skip_bad_rows", args->skip_bad_rows}};
    finish_import(std::move(data), *args, options, clock);
  });
}

void add_movielens(CLI::App& import) {
  auto args = std::make_shared<ImportArgs>();
  auto* cmd = import.add_subcommand(
      "movielens",
      "Import MovieLens from RecBole atomic files (tab separated, typed 'name:type' headers; columns\n"
      "are found by name):\n"
      "  --inter: user_id, item_id, timestamp (+ rating); every rating is an interaction;\n"
      "  --item:  item_id, movie_title (+ release_year, class = genres).\n"
      "Each user's ratings are ordered by timestamp; equal timestamps keep the .inter file order.\n"
      "Item text = 'title (year)' + genres. Any bad row is an error naming file:line and field.\n"
      "Example: gr2 data import movielens --inter $DATA/movielens-100k/ml-100k.inter \\\n"
      "           --item $DATA/movielens-100k/ml-100k.item --out work/ml100k");
  cmd->add_option("--inter", args->inter, "RecBole .inter file (ratings)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--item", args->item, "RecBole .item file (movies)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Output data directory (created if missing)")->required();
  cmd->add_option("--kcore", args->kcore, "Keep only users and items with >= N interactions, iteratively (0 = off)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([args] {
    Stopwatch clock;
    importer::ImportedDataset data = importer::load_movielens({args->inter, args->item});
    const Json options{{"kcore", args->kcore}};
    finish_import(std::move(data), *args, options, clock);
  });
}

void add_data_import_command(CLI::App& app) {
  CLI::App* data = nullptr;
  try {
    data = app.get_subcommand("data");  // created by data_command.cpp (registered earlier)
  } catch (const CLI::OptionNotFound&) {
    data = app.add_subcommand("data", "Produce a data directory for the other stages.");
    data->require_subcommand(1);
  }
  data->description(data->get_description() + "\nAlso: import (public datasets: Amazon in the P5 format, MovieLens as RecBole files).");
  auto* import = data->add_subcommand(
      "import",
      "Import a public dataset into a data directory: catalog.jsonl, events.jsonl, events_train.jsonl\n"
      "(train part only), sequences.jsonl (leave-one-out: last item = test, second last = validation),\n"
      "corpus.txt and data.json (sources, options, statistics). See docs/datasets.md.");
  import->require_subcommand(1);
  add_amazon(*import);
  add_movielens(*import);
}

}  // namespace
GR2_REGISTER_COMMAND(11, add_data_import_command);
}  // namespace gr2::cli
