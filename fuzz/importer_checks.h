// The invariants every importer's output must hold, checked by the importer fuzz targets: the
// dataset's own invariants (ImportedDataset::check), and every text that reaches catalog.jsonl,
// events.jsonl or corpus.txt is valid UTF-8 and the same text in each (issue 13, kind 1).
#pragma once

#include <string>

#include "fuzz_util.h"
#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/data/catalog.h"
#include "gr2/data/import/data_dir_writer.h"
#include "gr2/data/import/imported_dataset.h"

namespace gr2::fuzz {

inline void check_imported(const importer::ImportedDataset& data) {
  data.check();  // throws Error::internal on a broken invariant: escapes as a finding
  check_or_crash(data.item_extra.size() == data.catalog.size());
  for (size_t i = 0; i < data.catalog.size(); ++i) {
    const Item& item = data.catalog.at(static_cast<int32_t>(i));
    check_or_crash(!item.item_id.empty());
    const std::string line = item_to_json(item).dump();  // throws on invalid UTF-8: a finding
    check_or_crash(item_from_json(Json::parse(line), "fuzz").title == item.title);
    const std::string document = importer::item_document(item, data.category_label);
    check_utf8_or_crash(document);
    check_or_crash(document.find('\n') == std::string::npos);
    (void)data.item_extra[i].dump();
  }
  for (const importer::UserSequence& user : data.users) {
    check_or_crash(!user.user_id.empty());
    check_utf8_or_crash(user.user_id);
    check_or_crash(!user.items.empty());
  }
}

// Runs `load()` (an importer over files already written): a bad-input Error is the expected way
// to refuse, an internal one is a finding; an accepted dataset must pass check_imported.
template <typename Load>
void fuzz_importer(Load load) {
  static const bool quiet = [] {
    set_log_sink([](LogLevel, const std::string&) {});  // warnings are expected here
    return true;
  }();
  (void)quiet;
  importer::ImportedDataset loaded;
  try {
    loaded = load();
  } catch (const Error& e) {
    check_or_crash(e.kind() == ErrorKind::BadInput);
    return;
  }
  check_imported(loaded);
}

}  // namespace gr2::fuzz
