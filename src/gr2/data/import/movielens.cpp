// MovieLens (RecBole atomic files) loader: .item + .inter -> ImportedDataset.
#include "gr2/data/import/movielens.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "gr2/core/log.h"
#include "gr2/data/import/recbole_header.h"
#include "gr2/data/import/text_lines.h"

namespace gr2::importer {
namespace {

std::string field_at(const std::vector<std::string_view>& fields, int column) {
  return column < 0 ? std::string() : std::string(trim(fields[static_cast<size_t>(column)]));
}

std::vector<std::string_view> split_row(LineReader& reader, const std::string& line, const RecBoleHeader& header) {
  auto fields = split_tabs(line);
  if (fields.size() != header.size()) {
    throw reader.error("expected " + std::to_string(header.size()) + " tab-separated fields as in the header, got " +
                       std::to_string(fields.size()));
  }
  return fields;
}

std::string require_token(LineReader& reader, const std::vector<std::string_view>& fields, int column,
                          const char* name) {
  std::string value = field_at(fields, column);
  if (value.empty() || value.find_first_of(" \t") != std::string::npos) {
    throw reader.error(std::string("field '") + name + "': expected a non-empty id without spaces, got " +
                       quote_for_message(value));
  }
  return value;
}

// What load_items saw besides the catalog.
struct ItemStats {
  int64_t without_year = 0;
  int64_t without_genre = 0;
  std::string genre_column;  // "class" (RecBole's ML-100K), "genre" (its ML-1M / ML-20M), "" = none
};

void load_items(const std::string& path, ImportedDataset& data, ItemStats& stats) {
  LineReader reader(path);
  const RecBoleHeader header = RecBoleHeader::read(reader);
  const int c_id = header.require("item_id");
  const int c_title = header.require("movie_title");
  const int c_year = header.find("release_year");
  // RecBole's converters name the genre list `class` (ML-100K) or `genre` (ML-1M, ML-20M).
  int c_genres = header.find("class");
  stats.genre_column = c_genres >= 0 ? "class" : "";
  if (c_genres < 0 && (c_genres = header.find("genre")) >= 0) stats.genre_column = "genre";
  if (c_genres < 0)
    log_warning(path + ": no genre column ('class' or 'genre'); the items get no category");
  std::string line;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const auto fields = split_row(reader, line, header);
    Item item;
    item.item_id = require_token(reader, fields, c_id, "item_id");
    const std::string title = field_at(fields, c_title);
    if (title.empty()) throw reader.error("field 'movie_title': empty (every movie needs a title)");
    const std::string year = field_at(fields, c_year);
    Json extra = Json::object();
    const auto year_number = parse_integer(year);
    if (year_number && year.size() == 4) {
      item.title = title + " (" + year + ")";
      extra["year"] = *year_number;
    } else {
      item.title = title;  // missing or not a year (ML-100K has "unkonwn" and "V")
      ++stats.without_year;
    }
    const std::string genres = field_at(fields, c_genres);
    for (std::string_view genre : split_whitespace(genres)) item.category.emplace_back(genre);
    if (item.category.empty()) ++stats.without_genre;
    data.catalog.add(std::move(item), reader.where());  // throws on a duplicate item_id
    data.item_extra.push_back(std::move(extra));
  }
  require(!data.catalog.empty(), path + ": no item rows after the header");
}

struct Rating {
  int64_t ts;
  int32_t item;
  double rating;
};

bool all_integers(const std::vector<std::string>& ids) {
  return std::all_of(ids.begin(), ids.end(), [](const std::string& id) { return parse_integer(id).has_value(); });
}

void load_ratings(const std::string& path, const std::string& item_path, ImportedDataset& data) {
  LineReader reader(path);
  const RecBoleHeader header = RecBoleHeader::read(reader);
  const int c_user = header.require("user_id");
  const int c_item = header.require("item_id");
  const int c_ts = header.require("timestamp");
  const int c_rating = header.find("rating");
  std::vector<std::string> user_ids;
  std::vector<std::vector<Rating>> per_user;
  std::unordered_map<std::string, size_t> user_index;
  std::string line;
  while (reader.next(line)) {
    if (is_blank(line)) continue;
    const auto fields = split_row(reader, line, header);
    const std::string user = require_token(reader, fields, c_user, "user_id");
    const std::string item_id = require_token(reader, fields, c_item, "item_id");
    const auto item = data.catalog.find(item_id);
    if (!item) throw reader.error("field 'item_id': item '" + item_id + "' is not in " + item_path);
    const std::string ts_text = field_at(fields, c_ts);
    const auto ts = parse_number(ts_text);
    if (!ts) throw reader.error("field 'timestamp': expected a number (unix seconds), got " + quote_for_message(ts_text));
    if (*ts != std::floor(*ts) || std::fabs(*ts) > 9e15) {
      throw reader.error("field 'timestamp': expected whole seconds, got " + quote_for_message(ts_text));
    }
    double rating = 0;
    if (c_rating >= 0) {
      const std::string text = field_at(fields, c_rating);
      const auto value = parse_number(text);
      if (!value) throw reader.error("field 'rating': expected a number, got " + quote_for_message(text));
      rating = *value;
    }
    auto [it, inserted] = user_index.emplace(user, user_ids.size());
    if (inserted) {
      user_ids.push_back(user);
      per_user.emplace_back();
    }
    per_user[it->second].push_back(Rating{static_cast<int64_t>(*ts), *item, rating});
  }
  require(!user_ids.empty(), path + ": no ratings after the header");

  std::vector<size_t> order(user_ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (all_integers(user_ids)) {
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return *parse_integer(user_ids[a]) < *parse_integer(user_ids[b]); });
  }
  for (size_t u : order) {
    auto& ratings = per_user[u];
    // The documented tie-break: equal timestamps keep the order of the .inter file.
    std::stable_sort(ratings.begin(), ratings.end(), [](const Rating& a, const Rating& b) { return a.ts < b.ts; });
    UserSequence seq;
    seq.user_id = user_ids[u];
    for (const Rating& r : ratings) {
      seq.items.push_back(r.item);
      seq.ts.push_back(r.ts);
      if (c_rating >= 0) seq.ratings.push_back(r.rating);
    }
    data.users.push_back(std::move(seq));
  }
}

}  // namespace

ImportedDataset load_movielens(const MovieLensSources& src) {
  ImportedDataset data;
  data.generator = "gr2 data import movielens";
  data.action = "rating";
  ItemStats items;
  load_items(src.item_path, data, items);
  data.category_label = "Genres";
  load_ratings(src.inter_path, src.item_path, data);
  data.source = {{"format", "MovieLens as RecBole atomic files"},
                 {"inter", describe_source_file(src.inter_path)},
                 {"item", describe_source_file(src.item_path)}};
  data.notes = {
      {"timestamps", "unix seconds from the .inter file"},
      {"order", "users by numeric user_id (first appearance if an id is not an integer); each user's ratings "
                "by timestamp, ties kept in .inter file order (stable sort)"},
      {"catalog", "title = movie_title + ' (year)' when release_year is a number; category = genres (a list, "
                  "not a hierarchy) from the column '" + items.genre_column + "'; \"year\" kept"},
      {"genre_column", items.genre_column.empty() ? Json(nullptr) : Json(items.genre_column)},
      {"items_without_year", items.without_year},
      {"items_without_genre", items.without_genre},
      {"interactions", "every rating (1-5) is one interaction, action 'rating', value kept as \"rating\""}};
  return data;
}

}  // namespace gr2::importer
