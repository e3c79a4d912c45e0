// StageRunner: fingerprints, stamps, skip / resume / rerun decisions.
#include "gr2/pipeline/stage_runner.h"

#include <filesystem>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/core/file_io.h"
#include "gr2/core/hash.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/progress.h"
#include "gr2/core/timing.h"

namespace gr2::pipeline {

StageRunner::StageRunner(std::string work, bool force) : work_(std::move(work)), force_(force) {
  make_directories(join_path(work_, "stages"));
}

const std::string& StageRunner::fingerprint(const std::string& name) const {
  const auto it = fingerprints_.find(name);
  check_internal(it != fingerprints_.end(), "pipeline: stage '" + name + "' used before it ran");
  return it->second;
}

void StageRunner::run(const std::string& name, const std::string& inputs, const std::vector<std::string>& deps,
                      const std::vector<std::string>& outputs, const std::function<void(bool resume)>& body) {
  std::string key = name + "\n" + inputs;
  for (const auto& d : deps) key += "\n" + d + "=" + fingerprint(d);
  const std::string fp = hex64(fnv1a64(key));
  fingerprints_[name] = fp;
  const std::string stamp_path = join_path(join_path(work_, "stages"), name + ".json");
  Json stamp;
  if (file_exists(stamp_path)) {
    try {
      stamp = Json::parse(read_file(stamp_path));
    } catch (const std::exception&) {
      stamp = Json();  // a stamp cut by a kill: run the stage again
    }
  }
  const bool same = stamp.is_object() && stamp.value("fingerprint", "") == fp;
  if (same && stamp.value("complete", false) && !force_) {
    log_info("gr2 pipeline: [" + name + "] current; skipped");
    return;
  }
  const bool resume = same && !force_;
  if (!resume)
    for (const auto& out : outputs) std::filesystem::remove_all(out);
  write_file_atomic(stamp_path, Json{{"fingerprint", fp}, {"complete", false}}.dump() + "\n");
  log_info("gr2 pipeline: [" + name + "] " + (resume ? "resuming" : "running"));
  Stopwatch clock;
  body(resume);
  write_file_atomic(stamp_path, Json{{"fingerprint", fp}, {"complete", true}, {"seconds", clock.seconds()}}.dump() + "\n");
  log_info("gr2 pipeline: [" + name + "] done in " + Progress::format_duration(clock.seconds()));
  timings_[name] = clock.seconds();
}

}  // namespace gr2::pipeline
