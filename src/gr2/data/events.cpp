// Event reading, writing and validation.
#include "gr2/data/events.h"

namespace gr2 {

Json event_to_json(const Event& e) {
  return Json{{"user_id", e.user_id}, {"item_id", e.item_id}, {"ts", e.ts}, {"action", e.action}};
}

Event event_from_json(const Json& record, const std::string& where) {
  JsonFields f(record, where);
  Event e;
  e.user_id = f.string("user_id");
  e.item_id = f.string("item_id");
  e.ts = f.int64("ts");
  e.action = f.optional_string("action", "interaction");
  if (e.action.empty()) throw f.error("action", "must not be empty when given");
  return e;
}

void for_each_event(const std::string& path, const Catalog* catalog,
                    const std::function<void(const Event&)>& visit) {
  JsonlReader reader(path);
  Json record;
  while (reader.next(record)) {
    Event e = event_from_json(record, reader.where());
    if (catalog && !catalog->find(e.item_id)) {
      throw reader.error("field 'item_id': unknown item '" + e.item_id + "' (not in the catalog)");
    }
    visit(e);
  }
  if (reader.records() == 0) throw Error(path + ": no events (the file is empty)");
}

std::vector<Event> read_events(const std::string& path, const Catalog* catalog) {
  std::vector<Event> events;
  for_each_event(path, catalog, [&](const Event& e) { events.push_back(e); });
  return events;
}

void EventWriter::write(const Event& e) {
  // Hand-formatted for speed on large synthetic worlds; ids are escaped through the JSON library.
  std::string line = "{\"user_id\":" + Json(e.user_id).dump() + ",\"item_id\":" + Json(e.item_id).dump() +
                     ",\"ts\":" + std::to_string(e.ts) + ",\"action\":" + Json(e.action).dump() + "}";
  writer_.write_raw(line);
}

}  // namespace gr2
