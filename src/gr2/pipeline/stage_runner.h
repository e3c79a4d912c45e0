// The pipeline's stage bookkeeping: WORK/stages/NAME.json = {"fingerprint", "complete", "seconds"}.
// A stage's fingerprint hashes what it depends on (the config text it reads, external paths) and
// the fingerprints of the stages it reads from, so a change reruns the stage and everything
// downstream of it, and nothing else. Plain C++ (no LibTorch).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gr2::pipeline {

class StageRunner {
 public:
  // Stamps live in work/stages (created). force = run every stage from scratch.
  StageRunner(std::string work, bool force);

  // Runs `body(resume)` unless stage `name` is current, and records its fingerprint for stages
  // that depend on it:
  //  - same fingerprint, complete, !force: skipped (a line on stderr);
  //  - same fingerprint, incomplete (a run killed inside it), !force: body(true), to resume;
  //  - otherwise: every path in `outputs` is removed, then body(false).
  // `inputs` is everything the stage depends on besides earlier stages; `deps` names earlier
  // stages (each must have been run, or skipped, by this runner: Error::internal otherwise).
  // The stamp is marked complete only after body returns; an exception leaves it incomplete.
  void run(const std::string& name, const std::string& inputs, const std::vector<std::string>& deps,
           const std::vector<std::string>& outputs, const std::function<void(bool resume)>& body);

  // Seconds each stage that ran in this process took (skipped stages are absent).
  const std::map<std::string, double>& timings() const { return timings_; }
  // The fingerprint recorded for `name` (Error::internal when the stage has not been seen).
  const std::string& fingerprint(const std::string& name) const;

 private:
  std::string work_;
  bool force_;
  std::map<std::string, std::string> fingerprints_;
  std::map<std::string, double> timings_;
};

}  // namespace gr2::pipeline
