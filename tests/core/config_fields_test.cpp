// ConfigFields: one declaration gives TOML reading (defaults kept, ranges checked, skipped keys
// rejected), JSON writing and reading back.
#include <gtest/gtest.h>

#include "gr2/core/config.h"
#include "gr2/core/config_fields.h"
#include "test_util.h"

namespace gr2 {
namespace {

struct Inner {
  double weight = 0.5;
  bool on = false;
  int k = 3;
};

struct Sample {
  int64_t steps = 10;
  int width = 4;
  uint64_t seed = 7;
  double rate = 0.1;
  bool flag = true;
  std::string name = "x";
  Inner inner;
};

const ConfigFields<Sample>& fields() {
  static const auto f = ConfigFields<Sample>()
                            .integer("steps", &Sample::steps, 1, 1000)
                            .integer("width", &Sample::width, 1, 64)
                            .integer("seed", &Sample::seed, 0, INT64_MAX)
                            .real("rate", &Sample::rate, 0.0, 1.0)
                            .flag("flag", &Sample::flag)
                            .text("name", &Sample::name)
                            .real("weight", &Sample::inner, &Inner::weight, 0.0, 2.0)
                            .flag("on", &Sample::inner, &Inner::on)
                            .integer("k", &Sample::inner, &Inner::k, 0, 9);
  return f;
}

Sample read(const std::string& toml, const std::vector<std::string>& skip = {}) {
  const Config config = Config::parse(toml, "t.toml");
  ConfigSection s = config.section("s");
  Sample v;
  fields().read(s, v, skip);
  s.finish();
  return v;
}

TEST(ConfigFields, ReadsKeysKeepsDefaultsAndRoundTripsThroughJson) {
  const Sample v = read("[s]\nsteps = 20\nrate = 1\nname = \"y\"\nweight = 1.5\non = true\nk = 8\n");
  EXPECT_EQ(v.steps, 20);
  EXPECT_EQ(v.width, 4);  // default kept
  EXPECT_EQ(v.seed, 7u);
  EXPECT_DOUBLE_EQ(v.rate, 1.0);  // an integer is accepted for a real
  EXPECT_EQ(v.name, "y");
  EXPECT_DOUBLE_EQ(v.inner.weight, 1.5);
  EXPECT_TRUE(v.inner.on);
  EXPECT_EQ(v.inner.k, 8);
  const Json j = fields().to_json(v);
  EXPECT_EQ(j.at("k"), 8);
  EXPECT_EQ(j.at("name"), "y");
  Sample back;
  fields().from_json(j, back, "f.json");
  EXPECT_EQ(fields().to_json(back), j);
  Json broken = j;
  broken.erase("rate");
  expect_error([&] { fields().from_json(broken, back, "f.json"); }, "f.json: field 'rate' missing or mistyped");
}

TEST(ConfigFields, RangesAndSkippedKeysAreErrorsNamingTheKey) {
  expect_error([] { read("[s]\nwidth = 65\n"); }, "s.width");
  expect_error([] { read("[s]\nk = -1\n"); }, "s.k");
  expect_error([] { read("[s]\nsteps = 5\n", {"steps"}); }, "unknown key 's.steps'");
  EXPECT_EQ(read("[s]\nwidth = 5\n", {"steps"}).steps, 10);
}

}  // namespace
}  // namespace gr2
