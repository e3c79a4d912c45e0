// Config and code-version agreement between ranks, through the rendezvous store.
#include "gr2/dist/config_check.h"

#include <torch/version.h>

#include "gr2/core/error.h"

#ifndef GR2_CODE_COMMIT
#define GR2_CODE_COMMIT "unknown"
#endif

namespace gr2::dist {

std::string code_version() {
  return std::string("gr2 0.1.0 (commit ") + GR2_CODE_COMMIT + ", LibTorch " + TORCH_VERSION + ")";
}

void describe_json_differences(const Json& want, const Json& have, const std::string& prefix,
                               const std::string& have_label, const std::string& want_label, std::string& out) {
  for (const auto& [k, v] : want.items()) {
    if (have.contains(k) && v.is_object() && have[k].is_object()) {
      describe_json_differences(v, have[k], prefix + k + ".", have_label, want_label, out);
    } else if (!have.contains(k) || have[k] != v) {
      out += " " + prefix + k + " (" + have_label + " " + (have.contains(k) ? have[k].dump() : "absent") + ", " +
             want_label + " " + v.dump() + ")";
    }
  }
}

void require_same_run_on_all_ranks(World& world, const std::string& label, const Json& config) {
  if (!world.active()) return;
  const Json mine{{"config", config}, {"code", code_version()}, {"world", world.size()}};
  const std::vector<std::string> all = world.exchange("run/" + label, mine.dump());
  const Json main = Json::parse(all.front());
  std::string diffs;
  for (size_t r = 1; r < all.size(); ++r) {
    const Json other = Json::parse(all[r]);
    if (other == main) continue;
    std::string d;
    const std::string who = "rank " + std::to_string(r);
    describe_json_differences(other["config"], main["config"], label + ".", "rank 0", who, d);
    describe_json_differences(Json{{"code version", other["code"]}, {"world size", other["world"]}},
                              Json{{"code version", main["code"]}, {"world size", main["world"]}}, "", "rank 0", who, d);
    diffs += (diffs.empty() ? "" : ";") + d;
  }
  if (!diffs.empty())
    throw Error(world.describe() + ": the ranks disagree on the run and refuse to start:" + diffs +
                " (every rank needs the same config, gr2 build and world size)");
}

}  // namespace gr2::dist
