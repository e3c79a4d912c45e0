// User interaction events (events.jsonl, docs/formats.md): who touched which item, when, and how.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/data/catalog.h"

namespace gr2 {

struct Event {
  std::string user_id;
  std::string item_id;
  int64_t ts = 0;                      // seconds (any monotone unit); order within a user matters
  std::string action = "interaction";  // e.g. "click", "purchase", "rating"
};

// Calls `visit` for each event in file order, validating fields (and item ids against `catalog`
// when given). Streams: memory does not grow with the file. An empty file is an error.
void for_each_event(const std::string& path, const Catalog* catalog,
                    const std::function<void(const Event&)>& visit);

// Reads all events into memory (convenient for small and medium files).
std::vector<Event> read_events(const std::string& path, const Catalog* catalog = nullptr);

// Writes events one per line; atomic on commit().
class EventWriter {
 public:
  explicit EventWriter(const std::string& path) : writer_(path) {}
  void write(const Event& event);
  void commit() { writer_.commit(); }
  int64_t records() const { return writer_.records(); }

 private:
  JsonlWriter writer_;
};

Json event_to_json(const Event& event);
Event event_from_json(const Json& record, const std::string& where);

}  // namespace gr2
