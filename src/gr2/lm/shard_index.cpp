// shard_files: the weight_map of model.safetensors.index.json, checked.
#include "gr2/lm/shard_index.h"

#include <set>

#include "gr2/core/error.h"

namespace gr2::lm {
namespace {

bool is_plain_file_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (const char c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> shard_files(const Json& index, const std::string& where) {
  if (!index.is_object()) throw Error(where + ": expected a JSON object, got " + json_type_name(index));
  const auto map = index.find("weight_map");
  if (map == index.end() || !map->is_object()) throw Error(where + ": missing object 'weight_map'");
  if (map->empty()) throw Error(where + ": 'weight_map' is empty (no tensor names a shard file)");
  std::set<std::string> shards;
  for (const auto& [name, file] : map->items()) {
    if (!file.is_string() || !is_plain_file_name(file.get<std::string>()))
      throw Error(where + ": weight_map[" + Json(name).dump() + "] must name a shard file of the checkpoint's directory "
                  "(a plain file name), got " + file.dump());
    shards.insert(file.get<std::string>());
  }
  return {shards.begin(), shards.end()};
}

}  // namespace gr2::lm
