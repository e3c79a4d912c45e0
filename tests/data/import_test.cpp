// Tests of `gr2 data import`: the Amazon P5-format and MovieLens RecBole loaders on small fixtures
// (including an item with an empty title and malformed lines that must name file:line), the
// timestamp tie-break, k-core filtering, the leave-one-out data directory, the CLI, and the real
// datasets in ../shared/data against their published counts (skipped when absent).
#include <gtest/gtest.h>

#include <cstdlib>

#include <fstream>
#include <string>
#include <vector>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/events.h"
#include "gr2/data/import/amazon.h"
#include "gr2/data/import/data_dir_writer.h"
#include "gr2/data/import/kcore.h"
#include "gr2/data/import/movielens.h"
#include "test_util.h"

namespace gr2 {
namespace {

using importer::ImportedDataset;

const char* kItemsTsv =
    "item_id\tasin\ttitle\tbrand\tcategories\n"
    "1\tB001\tOPI Nail Lacquer\tOPI\tMakeup | Nails | Nail Polish\n"
    "2\tB002\tShampoo Deluxe\t\tHair Care | Shampoos\n"
    "3\tB003\t\tAcme\tHair Care | Styling Products | Hair Sprays\n"
    "4\tB004\tUnused Item\t\t\n"
    "5\tB005\tFace Cream\tNivea\tSkin Care | Face\n";

const char* kSequences =
    "u1 1 2 3 5\n"
    "u2 2 1 3\n"
    "\n"
    "u3 5 1\r\n";

std::vector<std::string> item_ids(const ImportedDataset& data, const importer::UserSequence& u) {
  std::vector<std::string> ids;
  for (int32_t i : u.items) ids.push_back(data.catalog.at(i).item_id);
  return ids;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

ImportedDataset load_amazon_fixture(const TempDir& dir, const std::string& items, const std::string& sequences,
                                    bool skip = false) {
  return importer::load_amazon({dir.write("seq.txt", sequences), dir.write("items.tsv", items), skip});
}

TEST(ImportAmazon, LoadsSequencesAndItemsIncludingAnEmptyTitle) {
  TempDir dir;
  ImportedDataset data = load_amazon_fixture(dir, kItemsTsv, kSequences);
  ASSERT_EQ(data.catalog.size(), 5u);
  ASSERT_EQ(data.users.size(), 3u);
  EXPECT_EQ(data.users[0].user_id, "u1");
  EXPECT_EQ(item_ids(data, data.users[0]), (std::vector<std::string>{"1", "2", "3", "5"}));
  EXPECT_EQ(data.users[0].ts, (std::vector<int64_t>{0, 1, 2, 3}));  // position in the sequence
  EXPECT_EQ(item_ids(data, data.users[2]), (std::vector<std::string>{"5", "1"}));  // CRLF accepted
  const Item& opi = data.catalog.at(*data.catalog.find("1"));
  EXPECT_EQ(opi.title, "OPI Nail Lacquer");
  EXPECT_EQ(opi.brand, "OPI");
  EXPECT_EQ(opi.category, (std::vector<std::string>{"Makeup", "Nails", "Nail Polish"}));
  EXPECT_EQ(data.item_extra[0]["asin"], "B001");
  // Empty title: brand and last category carry the text.
  const int32_t spray = *data.catalog.find("3");
  EXPECT_EQ(data.catalog.at(spray).title, "Acme Hair Sprays");
  EXPECT_EQ(data.item_extra[static_cast<size_t>(spray)]["title_generated"], true);
  EXPECT_FALSE(data.item_extra[0].contains("title_generated"));
  EXPECT_TRUE(data.catalog.at(*data.catalog.find("4")).category.empty());
  EXPECT_EQ(importer::item_document(data.catalog.at(spray), "Categories"),
            "Acme Hair Sprays. Brand: Acme. Categories: Hair Care, Styling Products, Hair Sprays.");
}

TEST(ImportAmazon, FindsColumnsByHeaderNameAndIgnoresOthers) {
  TempDir dir;
  ImportedDataset data = load_amazon_fixture(
      dir, "title\textra\tcategories\tbrand\titem_id\nLipstick\tx\tMakeup | Lips\tRevlon\t7\n", "u 7 7\n");
  ASSERT_EQ(data.catalog.size(), 1u);
  EXPECT_EQ(data.catalog.at(0).item_id, "7");
  EXPECT_EQ(data.catalog.at(0).title, "Lipstick");
  EXPECT_EQ(data.catalog.at(0).brand, "Revlon");
  EXPECT_FALSE(data.item_extra[0].contains("asin"));
  EXPECT_EQ(data.users[0].items.size(), 2u);
}

TEST(ImportAmazon, MalformedInputNamesFileAndLine) {
  TempDir dir;
  const std::string header = "item_id\tasin\ttitle\tbrand\tcategories\n";
  const std::string ok = header + "1\tA\tOne\t\tX\n2\tB\tTwo\t\tY\n";
  expect_error([&] { load_amazon_fixture(dir, header + "1\tA\tOne\t\n", "u 1\n"); },
               "items.tsv:2: expected 5 tab-separated fields as in the header, got 4");
  expect_error([&] { load_amazon_fixture(dir, ok + "1\tC\tAgain\t\tZ\n", "u 1\n"); },
               "items.tsv:4: duplicate item_id '1' (first on line 2");
  expect_error([&] { load_amazon_fixture(dir, header + "1\tA\t\t\t\n", "u 1\n"); },
               "items.tsv:2: item '1' has an empty title, brand and categories");
  expect_error([&] { load_amazon_fixture(dir, "id\ttitle\n1\tOne\n", "u 1\n"); },
               "items.tsv:1: the header lacks column(s) item_id brand categories");
  expect_error([&] { load_amazon_fixture(dir, header, "u 1\n"); }, "no item rows after the header");
  expect_error([&] { load_amazon_fixture(dir, ok, "u1 1 2\nu2 2 9 1\n"); },
               "seq.txt:2: item '9' (position 2 of user 'u2') is not in");
  expect_error([&] { load_amazon_fixture(dir, ok, "u1 1 2\nu2 2\nu1 1\n"); },
               "seq.txt:3: user 'u1' is listed twice (first on line 1");
  expect_error([&] { load_amazon_fixture(dir, ok, "u1 1 2\nu2\n"); }, "seq.txt:2: user 'u2' has no items");
  expect_error([&] { load_amazon_fixture(dir, ok, "\n\n"); }, "no user sequences");
}

TEST(ImportAmazon, SkipBadRowsSkipsAndCountsNeverSilently) {
  TempDir dir;
  const std::string items = std::string("item_id\tasin\ttitle\tbrand\tcategories\n") +
                            "1\tA\tOne\t\tX\n"
                            "2\tB\tTwo\n"            // wrong column count
                            "1\tC\tDup\t\tZ\n"       // duplicate id
                            "3\tD\tThree\t\tW\n";
  ImportedDataset data = load_amazon_fixture(dir, items, "u1 1 2 3\nu2\nu1 3\nu3 1 3\n", /*skip=*/true);
  EXPECT_EQ(data.catalog.size(), 2u);
  EXPECT_EQ(data.catalog.at(0).title, "One");  // the first row of a duplicate is kept
  ASSERT_EQ(data.users.size(), 2u);
  EXPECT_EQ(item_ids(data, data.users[0]), (std::vector<std::string>{"1", "3"}));  // item 2 dropped
  EXPECT_EQ(data.users[0].ts, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(data.skipped.count("item_row_wrong_column_count"), 1);
  EXPECT_EQ(data.skipped.count("item_row_duplicate_id"), 1);
  EXPECT_EQ(data.skipped.count("sequence_unknown_item"), 1);
  EXPECT_EQ(data.skipped.count("sequence_empty"), 1);
  EXPECT_EQ(data.skipped.count("sequence_duplicate_user"), 1);
  EXPECT_EQ(data.skipped.total(), 5);
  const Json saved = data.skipped.to_json();
  EXPECT_EQ(saved["by_reason"]["item_row_duplicate_id"], 1);
  EXPECT_NE(saved["examples"]["sequence_unknown_item"][0].get<std::string>().find("seq.txt:1:"), std::string::npos);
}

const char* kItemFile =
    "item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
    "10\tToy Story\t1995\tAnimation Children's Comedy\n"
    "20\tGoldenEye\t1995\tAction Adventure Thriller\n"
    "30\tunkonwn\tunkonwn\tunknown\n"
    "40\tHeat\t1995\tAction Crime\n";

// Columns in another order than ML-100K's, to check that they are found by name.
const char* kInterFile =
    "timestamp:float\tuser_id:token\titem_id:token\trating:float\n"
    "500\t2\t10\t4\n"
    "100\t1\t40\t3\n"
    "100\t1\t20\t5\n"   // same second as the line above: file order is kept (40 before 20)
    "100\t1\t10\t1\n"   // and again
    "50\t1\t30\t2\n"
    "600\t2\t20\t4.5\n"
    "400\t2\t30\t3\n";

TEST(ImportMovieLens, OrdersByTimestampWithFileOrderAsTieBreak) {
  TempDir dir;
  ImportedDataset data =
      importer::load_movielens({dir.write("ml.inter", kInterFile), dir.write("ml.item", kItemFile)});
  ASSERT_EQ(data.users.size(), 2u);
  EXPECT_EQ(data.users[0].user_id, "1");  // numeric user order, though user 2 appears first
  EXPECT_EQ(item_ids(data, data.users[0]), (std::vector<std::string>{"30", "40", "20", "10"}));
  EXPECT_EQ(data.users[0].ts, (std::vector<int64_t>{50, 100, 100, 100}));
  EXPECT_EQ(data.users[0].ratings, (std::vector<double>{2, 3, 5, 1}));
  EXPECT_EQ(item_ids(data, data.users[1]), (std::vector<std::string>{"30", "10", "20"}));
  EXPECT_EQ(data.users[1].ratings.back(), 4.5);
  EXPECT_EQ(data.action, "rating");
  const Item& toy = data.catalog.at(*data.catalog.find("10"));
  EXPECT_EQ(toy.title, "Toy Story (1995)");
  EXPECT_EQ(toy.category, (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_EQ(data.item_extra[0]["year"], 1995);
  EXPECT_EQ(data.catalog.at(*data.catalog.find("30")).title, "unkonwn");  // no numeric year: title alone
  EXPECT_EQ(data.notes["items_without_year"], 1);
  EXPECT_EQ(importer::item_document(toy, data.category_label),
            "Toy Story (1995). Genres: Animation, Children's, Comedy.");
}

TEST(ImportText, BytesThatAreNotUtf8AreAnErrorNamingLineAndColumn) {
  TempDir dir;
  // cp1252's right single quote and Latin-1's e-acute, as in real Amazon and MovieLens files.
  std::string items = kItemsTsv;
  items.replace(items.find("Face Cream"), 10, "L\x92Or\xe9" "al");
  expect_error([&] { load_amazon_fixture(dir, items, kSequences); },
               "items.tsv:6:9: invalid UTF-8 (byte 0x92); source files must be UTF-8");
  std::string movies = kItemFile;
  movies.replace(movies.find("Heat"), 4, "Mis\xe9rables, Les");
  expect_error([&] { importer::load_movielens({dir.write("ml.inter", kInterFile), dir.write("ml.item", movies)}); },
               "ml.item:5:7: invalid UTF-8 (byte 0xE9)");
  // Valid multi-byte UTF-8 passes unchanged.
  items = kItemsTsv;
  items.replace(items.find("Face Cream"), 10, "L\xe2\x80\x99Or\xc3\xa9" "al");
  const ImportedDataset data = load_amazon_fixture(dir, items, kSequences);
  EXPECT_EQ(data.catalog.at(*data.catalog.find("5")).title, "L\xe2\x80\x99Or\xc3\xa9" "al");
}

TEST(ImportMovieLens, ReadsTheGenreColumnOfEveryRecBoleLayoutAndSaysWhenThereIsNone) {
  TempDir dir;
  const std::string inter = dir.write("ml.inter", kInterFile);
  // RecBole's ML-1M / ML-20M files call the genre list `genre`, ML-100K's `class`.
  std::string ml1m = kItemFile;
  ml1m.replace(ml1m.find("class:token_seq"), std::string("class:token_seq").size(), "genre:token_seq");
  ImportedDataset data = importer::load_movielens({inter, dir.write("ml1m.item", ml1m)});
  EXPECT_EQ(data.catalog.at(*data.catalog.find("10")).category,
            (std::vector<std::string>{"Animation", "Children's", "Comedy"}));
  EXPECT_EQ(data.notes["genre_column"], "genre");
  EXPECT_EQ(data.notes["items_without_genre"], 0);
  // No genre column at all: said in data.json (and on stderr), and counted, never silently empty.
  const std::string no_genre =
      "item_id:token\tmovie_title:token_seq\trelease_year:token\n"
      "10\tToy Story\t1995\n20\tGoldenEye\t1995\n30\tX\t1990\n40\tHeat\t1995\n";
  data = importer::load_movielens({inter, dir.write("bare.item", no_genre)});
  EXPECT_TRUE(data.notes["genre_column"].is_null());
  EXPECT_EQ(data.notes["items_without_genre"], 4);
  EXPECT_TRUE(data.catalog.at(*data.catalog.find("10")).category.empty());
}

TEST(ImportMovieLens, MalformedInputNamesFileLineAndField) {
  TempDir dir;
  const std::string item = dir.write("ml.item", kItemFile);
  auto load = [&](const std::string& inter) {
    importer::load_movielens({dir.write("bad.inter", inter), item});
  };
  const std::string header = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n";
  expect_error([&] { load(header + "1\t10\t4\t881250949\n1\t20\t4\tyesterday\n"); },
               "bad.inter:3: field 'timestamp': expected a number (unix seconds), got 'yesterday'");
  expect_error([&] { load(header + "1\t10\t4\t881250949.5\n"); }, "bad.inter:2: field 'timestamp': expected whole seconds");
  expect_error([&] { load(header + "1\t10\tfive\t881250949\n"); },
               "bad.inter:2: field 'rating': expected a number, got 'five'");
  expect_error([&] { load(header + "1\t99\t4\t881250949\n"); }, "bad.inter:2: field 'item_id': item '99' is not in");
  expect_error([&] { load(header + "1\t10\t4\n"); }, "bad.inter:2: expected 4 tab-separated fields as in the header, got 3");
  expect_error([&] { load(header + "\t10\t4\t5\n"); }, "bad.inter:2: field 'user_id': expected a non-empty id");
  expect_error([&] { load("user_id:token\titem_id:token\trating:float\n1\t10\t4\n"); },
               "bad.inter:1: the header has no column 'timestamp' (columns: user_id, item_id, rating)");
  expect_error([&] { load("user_id\titem_id\ttimestamp\n"); }, "bad.inter:1: header column 'user_id': expected 'name:type'");
  expect_error([&] { load(header); }, "no ratings after the header");
  expect_error(
      [&] {
        importer::load_movielens({dir.write("ok.inter", header + "1\t10\t4\t5\n"),
                                  dir.write("dup.item", std::string(kItemFile) + "20\tAgain\t1990\tDrama\n")});
      },
      "dup.item:6: duplicate item_id '20'");
}

// A dataset from sequences of item ids (the catalog is every id mentioned, in first-seen order).
ImportedDataset make_dataset(const std::vector<std::vector<std::string>>& sequences) {
  ImportedDataset data;
  data.generator = "test";
  for (size_t u = 0; u < sequences.size(); ++u) {
    importer::UserSequence seq;
    seq.user_id = "u" + std::to_string(u + 1);
    for (const auto& id : sequences[u]) {
      auto index = data.catalog.find(id);
      if (!index) {
        index = data.catalog.add(Item{id, "title " + id, {}, "", ""});
        data.item_extra.push_back(Json::object());
      }
      seq.ts.push_back(static_cast<int64_t>(seq.items.size()));
      seq.items.push_back(*index);
    }
    data.users.push_back(seq);
  }
  return data;
}

TEST(ImportKCore, RemovesUsersAndItemsIterativelyUntilStable) {
  // k = 2: x has 1 interaction -> u3 is left with [c] -> u3 goes -> c is left with 1 -> c goes.
  ImportedDataset data = make_dataset({{"a", "b", "c"}, {"a", "b"}, {"c", "x"}});
  importer::PreparedSummary summary = importer::prepare_dataset(data, 2);
  EXPECT_EQ(summary.kcore.rounds, 3);
  EXPECT_EQ(summary.kcore.users_removed, 1);
  EXPECT_EQ(summary.kcore.items_removed, 2);
  EXPECT_EQ(summary.kcore.interactions_removed, 3);
  ASSERT_EQ(data.users.size(), 2u);
  EXPECT_EQ(item_ids(data, data.users[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(data.users[0].ts, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(data.catalog.size(), 2u);  // c and x left the catalog
  EXPECT_FALSE(data.catalog.find("c").has_value());
  EXPECT_EQ(summary.stats.interactions, 4);
}

TEST(ImportKCore, IsANoOpWhenAlreadyKCoreAndOffForKBelowTwo) {
  ImportedDataset data = make_dataset({{"a", "b"}, {"b", "a"}});
  importer::KCoreReport report = importer::apply_kcore(data, 2);
  EXPECT_FALSE(report.changed());
  EXPECT_EQ(report.rounds, 1);
  EXPECT_EQ(data.interactions(), 4);
  ImportedDataset sparse = make_dataset({{"a"}, {"b", "c"}});
  EXPECT_EQ(importer::apply_kcore(sparse, 0).rounds, 0);
  EXPECT_EQ(sparse.interactions(), 3);
  expect_error([&] { importer::apply_kcore(sparse, 3); }, "nothing is left");
  expect_error([&] { importer::apply_kcore(sparse, -1); }, "must be >= 0");
}

TEST(ImportDataDir, WritesTheLeaveOneOutSplitWithoutLeakage) {
  TempDir dir;
  ImportedDataset data = load_amazon_fixture(dir, kItemsTsv, kSequences);
  importer::PreparedSummary summary = importer::prepare_dataset(data, 0);
  EXPECT_EQ(summary.unreferenced_items, 1);  // item 4 is in no sequence
  EXPECT_EQ(summary.stats.users, 3);
  EXPECT_EQ(summary.stats.items, 4);
  EXPECT_EQ(summary.stats.interactions, 9);
  EXPECT_EQ(summary.stats.train_interactions, 2 + 1 + 2);  // u1: 1 2 | u2: 2 | u3 (2 items, train only): 5 1
  importer::write_data_dir(data, summary, Json{{"kcore", 0}}, dir.path("out"));
  const DataDir out{dir.path("out")};

  const Catalog catalog = Catalog::read_jsonl(out.catalog());
  ASSERT_EQ(catalog.size(), 4u);
  EXPECT_FALSE(catalog.find("4").has_value());
  EXPECT_EQ(read_jsonl(out.catalog())[0]["asin"], "B001");

  const auto events = read_events(out.events(), &catalog);
  EXPECT_EQ(events.size(), 9u);
  EXPECT_EQ(events[3].item_id, "5");
  EXPECT_EQ(events[3].ts, 3);
  const auto train = read_events(out.train_events(), &catalog);
  // u1's train part is [1, 2] (valid 3, test 5); u2's is [2]; u3 (2 items) has no targets: all train.
  ASSERT_EQ(train.size(), 5u);
  EXPECT_EQ(train[0].item_id, "1");
  EXPECT_EQ(train[1].item_id, "2");
  EXPECT_EQ(train[2].user_id, "u2");
  EXPECT_EQ(train[3].user_id, "u3");

  const auto sequences = read_jsonl(out.sequences());
  ASSERT_EQ(sequences.size(), 3u);
  EXPECT_EQ(sequences[0]["train"], Json({"1", "2"}));
  EXPECT_EQ(sequences[0]["valid_target"], "3");
  EXPECT_EQ(sequences[0]["test_target"], "5");
  EXPECT_EQ(sequences[1]["train"], Json({"2"}));
  EXPECT_EQ(sequences[1]["test_target"], "3");
  EXPECT_TRUE(sequences[2]["valid_target"].is_null());

  const auto corpus = lines_of(out.corpus());
  ASSERT_EQ(corpus.size(), 4u);
  EXPECT_EQ(corpus[0], "OPI Nail Lacquer. Brand: OPI. Categories: Makeup, Nails, Nail Polish.");

  const Json info = Json::parse(read_file(out.info()));
  EXPECT_EQ(info["generator"], "gr2 data import amazon");
  EXPECT_EQ(info["statistics"]["users"], 3);
  EXPECT_EQ(info["statistics"]["split"]["valid_targets"], 2);
  EXPECT_EQ(info["statistics"]["split"]["users_without_targets"], 1);
  EXPECT_NE(info["timestamps"].get<std::string>().find("position"), std::string::npos);
  EXPECT_EQ(info["options"]["kcore"], 0);
}

TEST(ImportCli, ImportsAFixtureAndReportsBadInputWithExitStatus2) {
  TempDir dir;
  const std::string items = dir.write("items.tsv", kItemsTsv);
  const std::string seq = dir.write("seq.txt", kSequences);
  CliResult ok = run_cli("data import amazon --sequences " + seq + " --items " + items + " --out " + dir.path("out"));
  ASSERT_EQ(ok.status, 0) << ok.output;
  EXPECT_NE(ok.output.find("interactions"), std::string::npos) << ok.output;
  EXPECT_TRUE(file_exists(DataDir{dir.path("out")}.sequences()));

  const std::string bad = dir.write("bad.txt", "u1 1 2\nu2 1 77\n");
  CliResult fail = run_cli("data import amazon --sequences " + bad + " --items " + items + " --out " + dir.path("o2"));
  EXPECT_EQ(fail.status, 2) << fail.output;
  EXPECT_NE(fail.output.find("gr2: error: " + bad + ":2: item '77'"), std::string::npos) << fail.output;

  CliResult skipped = run_cli("data import amazon --skip-bad-rows --sequences " + bad + " --items " + items +
                              " --out " + dir.path("o3"));
  EXPECT_EQ(skipped.status, 0) << skipped.output;
  EXPECT_NE(skipped.output.find("sequence_unknown_item: 1"), std::string::npos) << skipped.output;

  CliResult help = run_cli("data import movielens --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--inter"), std::string::npos) << help.output;
}

// The public datasets: $GR2_DATA, else the data folder kept beside the checkout.
std::string shared_data(const std::string& name) {
  const char* env = std::getenv("GR2_DATA");
  return (env && *env ? std::string(env) : std::string(kSourceDir) + "/../shared/data") + "/" + name;
}

TEST(ImportRealData, AmazonBeautyMatchesThePublishedCounts) {
  const std::string seq = shared_data("amazon-beauty/Beauty.txt");
  const std::string items = shared_data("amazon-beauty/items.tsv");
  if (!file_exists(seq) || !file_exists(items)) GTEST_SKIP() << "Amazon Beauty not found at " << seq;
  ImportedDataset data = importer::load_amazon({seq, items, false});
  importer::PreparedSummary summary = importer::prepare_dataset(data, 5);
  EXPECT_FALSE(summary.kcore.changed()) << "Beauty is already 5-core";
  EXPECT_EQ(summary.stats.users, 22363);
  EXPECT_EQ(summary.stats.items, 12101);
  EXPECT_EQ(summary.stats.interactions, 198502);
  EXPECT_EQ(summary.stats.train_interactions, 153776);
  EXPECT_EQ(summary.stats.valid_targets, 22363);
  EXPECT_EQ(summary.stats.test_targets, 22363);
  EXPECT_EQ(summary.stats.sequence_length_min, 5);
  EXPECT_EQ(summary.stats.sequence_length_max, 204);
  EXPECT_EQ(summary.unreferenced_items, 0);
  int generated = 0;
  for (const Json& extra : data.item_extra) generated += extra.contains("title_generated") ? 1 : 0;
  EXPECT_EQ(generated, 7);  // the 7 items of SOURCE.md without a title
}

TEST(ImportRealData, MovieLens100kMatchesThePublishedCounts) {
  const std::string inter = shared_data("movielens-100k/ml-100k.inter");
  const std::string item = shared_data("movielens-100k/ml-100k.item");
  if (!file_exists(inter) || !file_exists(item)) GTEST_SKIP() << "MovieLens-100K not found at " << inter;
  ImportedDataset data = importer::load_movielens({inter, item});
  importer::PreparedSummary summary = importer::prepare_dataset(data, 0);
  EXPECT_EQ(summary.stats.users, 943);
  EXPECT_EQ(summary.stats.items, 1682);
  EXPECT_EQ(summary.stats.interactions, 100000);
  EXPECT_EQ(summary.stats.sequence_length_min, 20);
  EXPECT_EQ(summary.stats.sequence_length_max, 737);
  EXPECT_EQ(summary.stats.test_targets, 943);
  EXPECT_EQ(summary.stats.train_interactions, 100000 - 2 * 943);
  EXPECT_EQ(data.users.front().user_id, "1");
  EXPECT_EQ(data.catalog.at(0).title, "Toy Story (1995)");
}

}  // namespace
}  // namespace gr2
