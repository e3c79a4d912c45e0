// RecBole atomic-file header parsing.
#include "gr2/data/import/recbole_header.h"

namespace gr2::importer {

RecBoleHeader RecBoleHeader::read(LineReader& reader) {
  std::string line;
  if (!reader.next(line)) throw Error(reader.path() + ": empty file (expected a RecBole header 'name:type<TAB>...')");
  RecBoleHeader header;
  header.path_ = reader.path();
  for (std::string_view column : split_tabs(line)) {
    column = trim(column);
    const size_t colon = column.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      throw reader.error("header column " + quote_for_message(column) +
                         ": expected 'name:type' (RecBole atomic file), e.g. 'user_id:token'");
    }
    const std::string name(column.substr(0, colon));
    const std::string type(column.substr(colon + 1));
    if (type != "token" && type != "token_seq" && type != "float" && type != "float_seq") {
      throw reader.error("header column '" + name + "': unknown type '" + type +
                         "' (expected token, token_seq, float or float_seq)");
    }
    if (header.find(name) >= 0) throw reader.error("header column '" + name + "' appears twice");
    header.names_.push_back(name);
    header.types_.push_back(type);
  }
  return header;
}

int RecBoleHeader::find(const std::string& name) const {
  for (size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int RecBoleHeader::require(const std::string& name) const {
  const int index = find(name);
  if (index < 0) {
    std::string have;
    for (const auto& n : names_) have += (have.empty() ? "" : ", ") + n;
    throw Error(path_ + ":1: the header has no column '" + name + "' (columns: " + have + ")");
  }
  return index;
}

}  // namespace gr2::importer
