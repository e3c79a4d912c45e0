// Tests of the CLI shell: help, version, exit statuses and the one-line error format.
#include <gtest/gtest.h>

#include "test_util.h"

namespace gr2 {
namespace {

TEST(Cli, HelpListsCommands) {
  CliResult r = run_cli("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("info"), std::string::npos);
  EXPECT_NE(r.output.find("eval"), std::string::npos);
  EXPECT_NE(r.output.find("data"), std::string::npos);
}

TEST(Cli, UsageErrorsExitWithTwo) {
  CliResult none = run_cli("");
  EXPECT_EQ(none.status, 2);
  EXPECT_NE(none.output.find("gr2: error:"), std::string::npos);
  CliResult unknown = run_cli("frobnicate");
  EXPECT_EQ(unknown.status, 2);
  CliResult bad_option = run_cli("info --no-such-option");
  EXPECT_EQ(bad_option.status, 2);
}

TEST(Cli, BadDeviceIsBadInput) {
  CliResult r = run_cli("info --device tpu");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.output.find("gr2: error: --device 'tpu': expected auto, cpu, cuda or cuda:N"), std::string::npos);
}

TEST(Cli, InfoShowsTheBuild) {
  CliResult r = run_cli("info --device cpu");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.output.find("device: cpu (LibTorch"), std::string::npos);
}

}  // namespace
}  // namespace gr2
