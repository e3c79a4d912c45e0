// Truth file reading and writing.
#include "gr2/data/truth.h"

namespace gr2 {

TruthTable read_truth(const std::string& path) {
  JsonlReader reader(path);
  TruthTable table;
  Json record;
  while (reader.next(record)) {
    JsonFields f(record, reader.where());
    std::string id = f.string("request_id");
    const Json& rel = f.array("relevance");
    std::vector<double> values;
    for (size_t i = 0; i < rel.size(); ++i) {
      if (!rel[i].is_number() || !std::isfinite(rel[i].get<double>())) {
        throw f.error("relevance", "element " + std::to_string(i) + ": expected a finite number");
      }
      values.push_back(rel[i].get<double>());
    }
    if (!table.emplace(id, std::move(values)).second) {
      throw reader.error("field 'request_id': duplicate request_id '" + id + "'");
    }
  }
  if (reader.records() == 0) throw Error(path + ": no truth records (the file is empty)");
  return table;
}

void TruthWriter::write(const std::string& request_id, const std::vector<double>& relevance) {
  writer_.write(Json{{"request_id", request_id}, {"relevance", relevance}});
}

}  // namespace gr2
