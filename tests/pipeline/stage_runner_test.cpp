// The pipeline's stage bookkeeping: skip what is current, resume what was cut short, rerun (with its
// outputs removed) what changed and everything downstream of it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <stdexcept>

#include "gr2/core/file_io.h"
#include "gr2/pipeline/stage_runner.h"
#include "test_util.h"

namespace gr2::pipeline {
namespace {

// One pipeline run over two stages, "a" (inputs `a_inputs`) and "b" (depends on a); records how
// each body was called ("a:fresh", "b:resume", ...).
std::vector<std::string> run_two(const std::string& work, const std::string& a_inputs, bool force = false,
                                 bool fail_b = false) {
  std::vector<std::string> calls;
  StageRunner runner(work, force);
  const std::string a_out = join_path(work, "a_out");
  runner.run("a", a_inputs, {}, {a_out}, [&](bool resume) {
    calls.push_back(std::string("a:") + (resume ? "resume" : "fresh"));
    make_directories(a_out);
    write_file_atomic(join_path(a_out, "f"), "x");
  });
  runner.run("b", "b-config", {"a"}, {join_path(work, "b_out")}, [&](bool resume) {
    calls.push_back(std::string("b:") + (resume ? "resume" : "fresh"));
    make_directories(join_path(work, "b_out"));
    if (fail_b) throw std::runtime_error("killed");
  });
  return calls;
}

TEST(StageRunner, SkipsCurrentStagesAndRerunsWhatAChangeAffects) {
  ::setenv("GR2_QUIET", "1", 1);
  TempDir dir;
  const std::string w = dir.path("work");
  EXPECT_EQ(run_two(w, "v1"), (std::vector<std::string>{"a:fresh", "b:fresh"}));
  EXPECT_EQ(run_two(w, "v1"), (std::vector<std::string>{}));  // both current
  write_file_atomic(join_path(w, "b_out/stale"), "old");
  // a's inputs change: a reruns from scratch (its outputs removed first), and so does b downstream.
  EXPECT_EQ(run_two(w, "v2"), (std::vector<std::string>{"a:fresh", "b:fresh"}));
  EXPECT_FALSE(file_exists(join_path(w, "b_out/stale")));
  // --force reruns everything fresh.
  EXPECT_EQ(run_two(w, "v2", true), (std::vector<std::string>{"a:fresh", "b:fresh"}));
}

TEST(StageRunner, AStageCutShortResumesWithItsOutputsKept) {
  ::setenv("GR2_QUIET", "1", 1);
  TempDir dir;
  const std::string w = dir.path("work");
  EXPECT_THROW(run_two(w, "v1", false, true), std::runtime_error);
  write_file_atomic(join_path(w, "b_out/partial"), "progress");
  EXPECT_EQ(run_two(w, "v1"), (std::vector<std::string>{"b:resume"}));
  EXPECT_TRUE(file_exists(join_path(w, "b_out/partial")));
  EXPECT_EQ(run_two(w, "v1"), (std::vector<std::string>{}));
}

TEST(StageRunner, DependingOnAStageNotYetSeenIsAnInternalError) {
  TempDir dir;
  StageRunner runner(dir.path("work"), false);
  expect_error([&] { runner.run("b", "", {"a"}, {}, [](bool) {}); }, "stage 'a' used before it ran");
}

}  // namespace
}  // namespace gr2::pipeline
