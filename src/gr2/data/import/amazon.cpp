// Amazon P5 / S3-Rec format loader: items.tsv + sequences file -> ImportedDataset.
#include "gr2/data/import/amazon.h"

#include <unordered_map>

#include "gr2/data/import/text_lines.h"

namespace gr2::importer {
namespace {

// Column positions in items.tsv, found by header name.
struct ItemColumns {
  size_t count = 0;
  int item_id = -1, asin = -1, title = -1, brand = -1, categories = -1;
};

ItemColumns read_item_header(LineReader& reader) {
  std::string line;
  if (!reader.next(line)) throw Error(reader.path() + ": empty file (expected a header line and one row per item)");
  const auto names = split_tabs(line);
  ItemColumns c;
  c.count = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string_view name = trim(names[i]);
    int* slot = name == "item_id" ? &c.item_id
                : name == "asin" ? &c.asin
                : name == "title" ? &c.title
                : name == "brand" ? &c.brand
                : name == "categories" ? &c.categories
                : nullptr;
    if (!slot) continue;  // other columns are ignored
    if (*slot >= 0) throw reader.error("column '" + std::string(name) + "' appears twice in the header");
    *slot = static_cast<int>(i);
  }
  std::string missing;
  if (c.item_id < 0) missing += " item_id";
  if (c.title < 0) missing += " title";
  if (c.brand < 0) missing += " brand";
  if (c.categories < 0) missing += " categories";
  if (!missing.empty()) {
    throw reader.error("the header lacks column(s)" + missing +
                       "; expected a tab-separated header 'item_id<TAB>asin<TAB>title<TAB>brand<TAB>categories', got " +
                       quote_for_message(line));
  }
  return c;
}

std::string field(const std::vector<std::string_view>& fields, int column) {
  return column < 0 ? std::string() : std::string(trim(fields[static_cast<size_t>(column)]));
}

bool has_whitespace(std::string_view s) { return s.find_first_of(" \t") != std::string_view::npos; }

// Reads items.tsv into data.catalog / data.item_extra.
void load_items(const AmazonSources& src, ImportedDataset& data) {
  LineReader reader(src.items_path);
  const ItemColumns columns = read_item_header(reader);
  std::unordered_map<std::string, int64_t> first_line;
  std::string line;
  // Fails on a bad row, or skips and counts it when skip_bad_rows is set.
  auto reject = [&](const std::string& reason, const std::string& message) {
    if (!src.skip_bad_rows) throw reader.error(message + " (--skip-bad-rows skips such rows and counts them)");
    data.skipped.add(reason, reader.where() + ": " + message);
  };
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const auto fields = split_tabs(line);
    if (fields.size() != columns.count) {
      reject("item_row_wrong_column_count", "expected " + std::to_string(columns.count) +
                                                " tab-separated fields as in the header, got " +
                                                std::to_string(fields.size()));
      continue;
    }
    Item item;
    item.item_id = field(fields, columns.item_id);
    if (item.item_id.empty() || has_whitespace(item.item_id)) {
      reject("item_row_bad_id", "field 'item_id': expected a non-empty token without spaces, got " +
                                    quote_for_message(item.item_id));
      continue;
    }
    auto [it, inserted] = first_line.emplace(item.item_id, reader.line());
    if (!inserted) {
      reject("item_row_duplicate_id", "duplicate item_id '" + item.item_id + "' (first on line " +
                                          std::to_string(it->second) + "; the first row is kept)");
      continue;
    }
    item.title = field(fields, columns.title);
    item.brand = field(fields, columns.brand);
    item.category = split_trimmed(field(fields, columns.categories), "|");
    Json extra = Json::object();
    const std::string asin = field(fields, columns.asin);
    if (!asin.empty()) extra["asin"] = asin;
    if (item.title.empty()) {
      if (item.brand.empty() && item.category.empty()) {
        first_line.erase(item.item_id);
        reject("item_row_no_text", "item '" + item.item_id + "' has an empty title, brand and categories: nothing describes it");
        continue;
      }
      // The format allows an empty title; brand and categories then carry the text.
      item.title = item.brand;
      if (!item.category.empty()) item.title += (item.title.empty() ? "" : " ") + item.category.back();
      extra["title_generated"] = true;
    }
    data.catalog.add(std::move(item), reader.where());
    data.item_extra.push_back(std::move(extra));
  }
  require(!data.catalog.empty(), src.items_path + ": no item rows after the header");
}

// Reads the sequences file into data.users.
void load_sequences(const AmazonSources& src, ImportedDataset& data) {
  LineReader reader(src.sequences_path);
  std::unordered_map<std::string, int64_t> first_line;
  std::string line;
  auto reject = [&](const std::string& reason, const std::string& message) {
    if (!src.skip_bad_rows) throw reader.error(message + " (--skip-bad-rows skips such lines and counts them)");
    data.skipped.add(reason, reader.where() + ": " + message);
  };
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const auto tokens = split_whitespace(line);
    const std::string user(tokens[0]);
    if (tokens.size() < 2) {
      reject("sequence_empty", "user '" + user + "' has no items (expected 'user_id item_id item_id ...')");
      continue;
    }
    auto [it, inserted] = first_line.emplace(user, reader.line());
    if (!inserted) {
      reject("sequence_duplicate_user", "user '" + user + "' is listed twice (first on line " +
                                            std::to_string(it->second) + "; the first line is kept)");
      continue;
    }
    UserSequence seq;
    seq.user_id = user;
    seq.items.reserve(tokens.size() - 1);
    for (size_t i = 1; i < tokens.size(); ++i) {
      const std::string item_id(tokens[i]);
      const auto index = data.catalog.find(item_id);
      if (!index) {
        const std::string message = "item '" + item_id + "' (position " + std::to_string(i) + " of user '" + user +
                                    "') is not in " + src.items_path;
        if (!src.skip_bad_rows) throw reader.error(message + " (--skip-bad-rows drops such items and counts them)");
        data.skipped.add("sequence_unknown_item", reader.where() + ": " + message);
        continue;
      }
      seq.ts.push_back(static_cast<int64_t>(seq.items.size()));
      seq.items.push_back(*index);
    }
    if (seq.items.empty()) {
      data.skipped.add("sequence_empty_after_skipping", reader.where() + ": user '" + user +
                                                            "': every item was unknown; the user is dropped");
      continue;
    }
    data.users.push_back(std::move(seq));
  }
  require(!data.users.empty(), src.sequences_path + ": no user sequences (expected lines 'user_id item_id item_id ...')");
}

}  // namespace

ImportedDataset load_amazon(const AmazonSources& src) {
  ImportedDataset data;
  data.generator = "gr2 data import amazon";
  data.action = "interaction";
  data.category_label = "Categories";
  load_items(src, data);
  load_sequences(src, data);
  data.source = {{"format", "Amazon reviews in the P5 / S3-Rec sequence format"},
                 {"sequences", describe_source_file(src.sequences_path)},
                 {"items", describe_source_file(src.items_path)}};
  data.notes = {
      {"timestamps", "none in the source: ts = 0-based position of the item in the user's sequence"},
      {"order", "users in the sequences file's order; each user's items in the file's (chronological) order"},
      {"catalog", "item_id = the items.tsv/sequence token; title = items.tsv title, or '<brand> <last category>' "
                  "when empty (\"title_generated\": true); category = the ' | '-separated names in order; "
                  "\"asin\" kept"}};
  return data;
}

}  // namespace gr2::importer
