// Slate reading, writing and validation.
#include "gr2/data/slates.h"

#include <cmath>
#include <unordered_set>

namespace gr2 {

bool Slate::has_positive() const {
  for (int l : labels) if (l > 0) return true;
  return false;
}

int Slate::max_label() const {
  int m = 0;
  for (int l : labels) m = std::max(m, l);
  return m;
}

Json SlateWriter::slate_to_json(const Slate& s) {
  Json candidates = Json::array();
  for (const Candidate& c : s.candidates) candidates.push_back({{"item_id", c.item_id}, {"score", c.score}});
  return Json{{"request_id", s.request_id}, {"user_id", s.user_id}, {"ts", s.ts},
              {"history", s.history}, {"candidates", candidates}, {"labels", s.labels}};
}

Slate slate_from_json(const Json& record, const std::string& where, const SlateLimits& limits) {
  JsonFields f(record, where);
  Slate s;
  s.request_id = f.string("request_id");
  s.user_id = f.string("user_id");
  s.ts = f.int64("ts");
  s.history = f.string_array("history");
  if (static_cast<int>(s.history.size()) > limits.max_history) {
    throw f.error("history", std::to_string(s.history.size()) + " items exceeds the limit of " +
                                 std::to_string(limits.max_history));
  }
  for (size_t i = 0; i < s.history.size(); ++i) {
    if (s.history[i].empty()) throw f.error("history", "element " + std::to_string(i) + " is an empty id");
  }
  const Json& cands = f.array("candidates");
  if (cands.empty()) throw f.error("candidates", "the slate is empty");
  if (static_cast<int>(cands.size()) < limits.min_candidates) {
    throw f.error("candidates", "has " + std::to_string(cands.size()) + " candidate(s); at least " +
                                    std::to_string(limits.min_candidates) + " are needed to re-rank");
  }
  if (static_cast<int>(cands.size()) > limits.max_candidates) {
    throw f.error("candidates", std::to_string(cands.size()) + " candidates exceeds the limit of " +
                                    std::to_string(limits.max_candidates));
  }
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < cands.size(); ++i) {
    const Json& c = cands[i];
    std::string at = where + ": candidates[" + std::to_string(i) + "]";
    Candidate cand;
    if (c.is_string()) {
      cand.item_id = c.get<std::string>();  // shorthand: a bare id, score 0
    } else {
      JsonFields cf(c, at);
      cand.item_id = cf.string("item_id");
      if (cf.has("score")) cand.score = cf.number("score");
    }
    if (cand.item_id.empty()) throw Error(at + ": empty item_id");
    if (!seen.insert(cand.item_id).second) throw Error(at + ": duplicate candidate '" + cand.item_id + "'");
    s.candidates.push_back(std::move(cand));
  }
  const Json& labels = f.array("labels");
  if (labels.size() != cands.size()) {
    throw f.error("labels", "has " + std::to_string(labels.size()) + " entries but there are " +
                                std::to_string(cands.size()) + " candidates");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const Json& l = labels[i];
    if (!l.is_number_integer() && !l.is_number_unsigned()) {
      throw f.error("labels", "element " + std::to_string(i) + ": expected an integer, got " + json_type_name(l));
    }
    int64_t v = l.get<int64_t>();
    if (v < 0 || v > limits.max_label) {
      throw f.error("labels", "element " + std::to_string(i) + ": " + std::to_string(v) +
                                  " is outside [0, " + std::to_string(limits.max_label) + "]");
    }
    s.labels.push_back(static_cast<int>(v));
  }
  return s;
}

void for_each_slate(const std::string& path, const Catalog* catalog, const SlateLimits& limits,
                    const std::function<void(Slate&&)>& visit) {
  JsonlReader reader(path);
  std::unordered_set<std::string> request_ids;
  Json record;
  while (reader.next(record)) {
    Slate s = slate_from_json(record, reader.where(), limits);
    if (!request_ids.insert(s.request_id).second) {
      throw reader.error("field 'request_id': duplicate request_id '" + s.request_id + "'");
    }
    if (catalog) {
      for (const auto& id : s.history) {
        if (!catalog->find(id)) throw reader.error("field 'history': unknown item '" + id + "' (not in the catalog)");
      }
      for (const auto& c : s.candidates) {
        if (!catalog->find(c.item_id)) {
          throw reader.error("field 'candidates': unknown item '" + c.item_id + "' (not in the catalog)");
        }
      }
    }
    visit(std::move(s));
  }
  if (reader.records() == 0) throw Error(path + ": no slates (the file is empty)");
}

std::vector<Slate> read_slates(const std::string& path, const Catalog* catalog, const SlateLimits& limits) {
  std::vector<Slate> slates;
  for_each_slate(path, catalog, limits, [&](Slate&& s) { slates.push_back(std::move(s)); });
  return slates;
}

void write_slates(const std::string& path, const std::vector<Slate>& slates) {
  SlateWriter writer(path);
  for (const Slate& s : slates) writer.write(s);
  writer.commit();
}

}  // namespace gr2
