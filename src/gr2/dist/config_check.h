// The start-of-run check that every rank runs the same thing: the same training config (the JSON a
// resumed run must also agree on), the same code version and the same world. Ranks that disagree
// would silently average gradients of different models; they are refused instead.
#pragma once

#include <string>

#include "gr2/core/jsonl.h"
#include "gr2/dist/world.h"

namespace gr2::dist {

// The version of this build: gr2's version, the git commit it was configured from (when known) and
// the LibTorch version.
std::string code_version();

// Appends " PREFIXkey (HAVE_LABEL x, WANT_LABEL y)" to `out` for every key of `want` that `have`
// lacks or holds with another value, descending into objects (e.g. " rl.group_size (checkpoint 3,
// now 4)").
void describe_json_differences(const Json& want, const Json& have, const std::string& prefix,
                               const std::string& have_label, const std::string& want_label, std::string& out);

// Every rank publishes {"config": config, "code": code_version(), "world": size} under `label`
// (a stage name; each label may be checked once per process) and compares it with rank 0's. Any
// difference is refused on every rank with Error (exit 2) naming the ranks and keys that differ.
// No-op when the world is not active.
void require_same_run_on_all_ranks(World& world, const std::string& label, const Json& config);

}  // namespace gr2::dist
