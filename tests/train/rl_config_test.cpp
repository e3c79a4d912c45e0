// The [rl] section: the advantage scaling is read, defaulted, reported and rejected by name.
#include <gtest/gtest.h>

#include "gr2/core/config.h"
#include "gr2/train/rl/rl.h"
#include "test_util.h"

namespace gr2::train::rl {
namespace {

TEST(RlConfigTest, AdvantageNorm) {
  EXPECT_EQ(RlConfig::from_config(Config::parse("[rl]\nsteps = 2\n")).advantage_norm, AdvantageNorm::Group);
  const RlConfig batch = RlConfig::from_config(Config::parse("[rl]\nadvantage_norm = \"batch\"\n"));
  EXPECT_EQ(batch.advantage_norm, AdvantageNorm::Batch);
  EXPECT_EQ(batch.to_json().at("advantage_norm"), "batch");
  expect_error([] { RlConfig::from_config(Config::parse("[rl]\nadvantage_norm = \"std\"\n")); },
               "[rl] unknown advantage_norm 'std': expected group, batch or none");
}

}  // namespace
}  // namespace gr2::train::rl
