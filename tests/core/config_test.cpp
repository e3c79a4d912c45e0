// Tests for strict TOML configs: typed access, defaults, unknown and mistyped keys with lines.
#include <gtest/gtest.h>

#include "gr2/core/config.h"
#include "test_util.h"

namespace gr2 {
namespace {

TEST(Config, TypedAccessAndDefaults) {
  Config c = Config::parse("[synth]\nnum_items = 500\nrate = 2\nname = \"x\"\nflag = true\nlist = [\"a\",\"b\"]\n", "t.toml");
  ConfigSection s = c.section("synth");
  EXPECT_EQ(s.get_int("num_items", 1), 500);
  EXPECT_DOUBLE_EQ(s.get_double("rate", 0.5), 2.0);  // integers are accepted as numbers
  EXPECT_EQ(s.get_string("name", ""), "x");
  EXPECT_TRUE(s.get_bool("flag", false));
  EXPECT_EQ(s.get_string_list("list", {}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.get_int("absent", 42), 42);
  EXPECT_NO_THROW(s.finish());
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  Config c = Config::parse("[synth]\nnum_items = 500\nnum_itmes = 3\n", "demo.toml");
  ConfigSection s = c.section("synth");
  s.get_int("num_items", 1);
  expect_error([&] { s.finish(); }, "demo.toml:3: unknown key 'synth.num_itmes' (known keys: num_items)");
}

TEST(Config, MistypedValueNamesKeyAndLine) {
  Config c = Config::parse("[synth]\n\nnum_items = \"many\"\n", "demo.toml");
  ConfigSection s = c.section("synth");
  expect_error([&] { s.get_int("num_items", 1); }, "demo.toml:3: key 'synth.num_items': expected an integer, got a string");
  expect_error([&] { s.get_bool("num_items", true); }, "expected true or false");
}

TEST(Config, RangeChecks) {
  Config c = Config::parse("[s]\nk = 0\nx = 1.5\n", "r.toml");
  ConfigSection s = c.section("s");
  expect_error([&] { s.get_int_in("k", 1, 1, 10); }, "r.toml:2: key 's.k': 0 is out of range [1, 10]");
  expect_error([&] { s.get_double_in("x", 0.5, 0.0, 1.0); }, "1.5 is out of range");
}

TEST(Config, UnknownSectionIsAnError) {
  Config c = Config::parse("[synth]\n[sytnh]\n", "c.toml");
  expect_error([&] { c.check_sections({"synth", "eval"}); }, "unknown section 'sytnh' (known sections: synth, eval)");
  EXPECT_NO_THROW(Config::parse("[synth]\n").check_sections({"synth"}));
}

TEST(Config, SyntaxErrorHasPosition) {
  expect_error([] { Config::parse("[synth\nx=1\n", "bad.toml"); }, "bad.toml:1:");
}

TEST(Config, LoadMissingFile) { expect_error([] { Config::load("/nonexistent.toml"); }, "/nonexistent.toml"); }

TEST(Config, OverridesWithSet) {
  Config c = Config::parse("[synth]\nnum_items = 5\n", "c.toml");
  c.set("synth.num_items=7");
  c.set("synth.name=bare_word");
  c.set("eval.rate=0.25");
  ConfigSection s = c.section("synth");
  EXPECT_EQ(s.get_int("num_items", 0), 7);
  EXPECT_EQ(s.get_string("name", ""), "bare_word");
  EXPECT_DOUBLE_EQ(c.section("eval").get_double("rate", 0), 0.25);
  expect_error([&] { c.set("no_dot=1"); }, "expected section.key=value");
}

TEST(Config, LoadWithOverridesRestrictsTheSection) {
  TempDir dir;
  std::string path = dir.write("c.toml", "[sid]\ncodes = 8\n");
  Config c = Config::load_with_overrides(path, {"sid.codes=16"}, "sid", "gr2 sid");
  EXPECT_EQ(c.section("sid").get_int("codes", 0), 16);
  expect_error([&] { Config::load_with_overrides(path, {"synth.seed=1"}, "sid", "gr2 sid"); },
               "--set 'synth.seed=1': 'gr2 sid' only reads the [sid] section (use sid.key=value)");
  Config defaults = Config::load_with_overrides("", {"eval.seed=3"});
  EXPECT_EQ(defaults.section("eval").get_int("seed", 0), 3);
}

TEST(Config, SectionMustBeATable) {
  Config c = Config::parse("synth = 3\n", "c.toml");
  expect_error([&] { c.section("synth"); }, "c.toml:1: 'synth' must be a table");
}

}  // namespace
}  // namespace gr2
