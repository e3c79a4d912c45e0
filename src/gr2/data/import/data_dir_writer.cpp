// Shared import steps and the writing of an imported data directory.
#include "gr2/data/import/data_dir_writer.h"

#include <sstream>

#include "gr2/core/file_io.h"
#include "gr2/data/data_dir.h"
#include "gr2/data/split.h"

namespace gr2::importer {

Json PreparedSummary::to_json() const {
  return Json{{"unreferenced_catalog_items_dropped", unreferenced_items},
              {"kcore", kcore.to_json()},
              {"statistics", stats.to_json()}};
}

std::string PreparedSummary::describe() const {
  std::ostringstream out;
  if (unreferenced_items > 0) {
    out << "  dropped " << with_commas(unreferenced_items) << " catalog item(s) that no sequence references\n";
  }
  if (kcore.k > 1) {
    out << "  " << kcore.k << "-core: " << kcore.rounds << " round(s), removed " << with_commas(kcore.users_removed)
        << " users, " << with_commas(kcore.items_removed) << " items, "
        << with_commas(kcore.interactions_removed) << " interactions"
        << (kcore.changed() ? "" : " (already " + std::to_string(kcore.k) + "-core)") << "\n";
  }
  out << stats.describe();
  return out.str();
}

PreparedSummary prepare_dataset(ImportedDataset& data, int kcore) {
  PreparedSummary summary;
  require(!data.users.empty(), "the source has no user sequences");
  summary.unreferenced_items = drop_items_without_interactions(data);
  summary.kcore = apply_kcore(data, kcore);
  drop_items_without_interactions(data);
  data.check();
  summary.stats = compute_stats(data);
  return summary;
}

std::string item_document(const Item& item, const std::string& category_label) {
  std::string doc = item.title;
  auto append = [&](const std::string& part) {
    if (part.empty()) return;
    if (!doc.empty()) doc += (doc.back() == '.' || doc.back() == '!' || doc.back() == '?') ? " " : ". ";
    doc += part;
  };
  if (!item.brand.empty()) append("Brand: " + item.brand);
  if (!item.category.empty()) {
    std::string joined;
    for (const auto& c : item.category) joined += (joined.empty() ? "" : ", ") + c;
    append(category_label + ": " + joined);
  }
  if (!item.text.empty()) append(item.text);
  if (!doc.empty() && doc.back() != '.') doc += '.';
  for (char& c : doc) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return doc;
}

namespace {

Json ids_of(const Catalog& catalog, const std::vector<int32_t>& items) {
  Json out = Json::array();
  for (int32_t i : items) out.push_back(catalog.at(i).item_id);
  return out;
}

std::string event_line(const ImportedDataset& data, const UserSequence& u, size_t i, const std::string& user_json) {
  std::string line = "{\"user_id\":" + user_json + ",\"item_id\":" + Json(data.catalog.at(u.items[i]).item_id).dump() +
                     ",\"ts\":" + std::to_string(u.ts[i]) + ",\"action\":" + Json(data.action).dump();
  if (!u.ratings.empty()) line += ",\"rating\":" + Json(u.ratings[i]).dump();
  line += "}";
  return line;
}

}  // namespace

void write_data_dir(const ImportedDataset& data, const PreparedSummary& summary, const Json& options,
                    const std::string& out_dir) {
  make_directories(out_dir);
  const DataDir dir{out_dir};

  JsonlWriter catalog(dir.catalog());
  AtomicFile corpus(dir.corpus());
  for (size_t i = 0; i < data.catalog.size(); ++i) {
    const Item& item = data.catalog.items()[i];
    Json record = item_to_json(item);
    if (data.item_extra[i].is_object()) record.update(data.item_extra[i]);
    catalog.write(record);
    corpus.stream() << item_document(item, data.category_label) << '\n';
  }

  JsonlWriter events(dir.events());
  JsonlWriter train_events(dir.train_events());
  JsonlWriter sequences(dir.sequences());
  for (const auto& u : data.users) {
    const std::string user_json = Json(u.user_id).dump();
    const LeaveOneOut split = LeaveOneOut::of(u.items);
    for (size_t i = 0; i < u.items.size(); ++i) {
      const std::string line = event_line(data, u, i, user_json);
      events.write_raw(line);
      if (i < split.train.size()) train_events.write_raw(line);
    }
    Json record{{"user_id", u.user_id},
                {"train", ids_of(data.catalog, split.train)},
                {"valid_target", nullptr},
                {"test_target", nullptr}};
    if (split.has_targets()) {
      record["valid_target"] = data.catalog.at(split.valid_target).item_id;
      record["test_target"] = data.catalog.at(split.test_target).item_id;
    }
    sequences.write(record);
  }

  Json info{{"generator", data.generator}, {"version", "0.1.0"}, {"source", data.source}, {"options", options}};
  info.update(data.notes);
  info["action"] = data.action;
  info["split"] = {
      {"protocol", "leave-one-out (TIGER/P5): per user, last item = test target, second last = validation "
                   "target, the rest = train; users with fewer than 3 items are train only"},
      {"events_train", "each user's train part only (no validation or test targets)"},
      {"sequences", "sequences.jsonl: user_id, train, valid_target, test_target"}};
  info.update(summary.to_json());
  info["skipped_rows"] = data.skipped.to_json();
  info["files"] = {"catalog.jsonl", "events.jsonl", "events_train.jsonl", "sequences.jsonl", "corpus.txt", "data.json"};

  catalog.commit();
  corpus.commit();
  events.commit();
  train_events.commit();
  sequences.commit();
  // data.json last: its presence means the directory is complete.
  write_file_atomic(dir.info(), info.dump(2) + "\n");
}

}  // namespace gr2::importer
