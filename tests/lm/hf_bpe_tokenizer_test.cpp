// Tests of the Hugging Face byte-level BPE tokenizer: merges, added tokens, refusals on a hand-built
// tokenizer.json; and id-for-id agreement with HF `tokenizers` (the reference environment) on
// Qwen3-style and GPT-2-style tokenizers trained by tests/lm/hf_tokenizer_reference.py, over its test
// corpus (prose, contractions, numbers, whitespace runs, CJK, emoji, accents, full-width, special and
// SID tokens, a chat-templated re-ranking prompt, 2,000 seeded random strings).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/lm/hf_bpe_tokenizer.h"
#include "lm/tiny_hf_tokenizer.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

using Json = nlohmann::json;

TEST(HfBpeTokenizer, MergesApplyLowestRankFirstAndAddedTokensSplitFirst) {
  // "Ġ" is the byte-level spelling of a space.
  const HfBpeTokenizer t = HfBpeTokenizer::from_json(
      tiny_tokenizer({{"l", "l"}, {"h", "e"}, {"he", "ll"}, {"hell", "o"}, {"Ġ", "w"}}), "tiny");
  EXPECT_EQ(t.size(), 256 + 5 + 1);
  EXPECT_EQ(t.encode("hello"), (std::vector<int64_t>{259}));                  // he + ll -> hell, + o
  EXPECT_EQ(t.encode("hel"), (std::vector<int64_t>{257, 'l'}));               // (l, l) needs two l's
  EXPECT_EQ(t.encode(" world"), (std::vector<int64_t>{260, 'o', 'r', 'l', 'd'}));
  EXPECT_EQ(t.encode("hello<|im_end|>hello"), (std::vector<int64_t>{259, 261, 259}));
  EXPECT_EQ(t.token(261), "<|im_end|>");
  EXPECT_EQ(*t.token_id("hell"), 258);
  EXPECT_FALSE(t.token_id("nope").has_value());
  using namespace std::string_literals;
  const std::string with_nul = "tab\there\r\nnul\x00 byte, caf\xC3\xA9 \xF0\x9F\x91\x8D<|im_end|>"s;
  ASSERT_EQ(with_nul[13], '\0');
  EXPECT_EQ(t.decode(t.encode(with_nul)), with_nul);
  EXPECT_THROW(t.encode("bad \xC3("), Error);  // not UTF-8
  EXPECT_THROW(t.decode({999}), Error);
  EXPECT_THROW(t.token(-1), Error);
}

TEST(HfBpeTokenizer, RefusesWhatItDoesNotImplementNamingTheField) {
  const auto refused = [](Json j, const std::string& needle) {
    try {
      HfBpeTokenizer::from_json(j, "t.json");
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("t.json"), std::string::npos) << e.what();
    }
  };
  Json j = tiny_tokenizer({});
  j["model"]["byte_fallback"] = true;
  refused(j, "byte_fallback");
  j = tiny_tokenizer({});
  j["model"]["type"] = "WordPiece";
  refused(j, "WordPiece");
  j = tiny_tokenizer({});
  j["post_processor"] = {{"type", "TemplateProcessing"}};
  refused(j, "TemplateProcessing");
  j = tiny_tokenizer({});
  j["added_tokens"][0]["lstrip"] = true;
  refused(j, "lstrip");
  j = tiny_tokenizer({});
  j["normalizer"] = {{"type", "Lowercase"}};
  refused(j, "Lowercase");
  j = tiny_tokenizer({});
  j["model"]["vocab"].erase(byte_char(0));
  refused(j, "byte 0");
  j = tiny_tokenizer({{"a", "b"}});
  j["model"]["merges"] = Json::array({"a c"});
  refused(j, "merge 0");
  j = tiny_tokenizer({});
  j["pre_tokenizer"] = {{"type", "Split"}, {"behavior", "Isolated"}, {"pattern", {{"Regex", "(unclosed"}}}};
  refused(j, "does not compile");
  j = tiny_tokenizer({});
  j["model"]["type"] = 5;  // a wrong JSON type: bad input naming the file, not an internal failure
  refused(j, "wrong JSON type");
  j = tiny_tokenizer({});
  j["model"]["vocab"][byte_char(65)] = "sixty-five";
  refused(j, "wrong JSON type");
}

TEST(HfBpeTokenizer, VocabCommandsReadATokenizerJsonFileOrDirectory) {
  TempDir dir;
  make_directories(dir.path("tok"));
  make_directories(dir.path("bad"));
  write_file_atomic(dir.path("tok/tokenizer.json"), tiny_tokenizer({{"h", "e"}, {"he", "l"}}).dump());
  CliResult r = run_cli("vocab encode --vocab " + dir.path("tok") + " --text 'hel<|im_end|>'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("Hugging Face byte-level BPE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ids: [257,258]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("round trip: exact"), std::string::npos) << r.output;
  r = run_cli("vocab decode --vocab " + dir.path("tok/tokenizer.json") + " --ids '[257, 258, 104]'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "hel<|im_end|>h\n");
  write_file_atomic(dir.path("bad/tokenizer.json"), "{\"model\": {\"type\": \"Unigram\"}}");
  r = run_cli("vocab encode --vocab " + dir.path("bad") + " --text x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("tokenizer.json: model type 'Unigram' is not supported"), std::string::npos) << r.output;
}

// The reference environment's data: the script's tokenizers, corpus and HF's ids.
class HfReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* python = std::getenv("GR2_REFERENCE_PYTHON");
    if (!python || !*python || !file_exists(python)) return;
    dir_ = new TempDir();
    // scripts/reference_env.sh puts the real Qwen3 tokenizer.json beside the environment's bin/.
    const std::string venv = std::filesystem::path(python).parent_path().parent_path().string();
    qwen3_ = new std::string(venv + "/qwen3-tokenizer/tokenizer.json");
    std::string extra;
    if (file_exists(*qwen3_)) extra = " --extra qwen3=" + *qwen3_;
    int status = -1;
    const std::string out = run_command(std::string(python) + " " + kSourceDir +
                                            "/tests/lm/hf_tokenizer_reference.py " + dir_->path("ref") + extra,
                                        status);
    if (status != 0) {
      failure_ = new std::string("hf_tokenizer_reference.py failed (" + std::to_string(status) + "): " + out);
      return;
    }
    corpus_ = new Json(Json::parse(read_file(dir_->path("ref/corpus.json"))));
    expected_ = new Json(Json::parse(read_file(dir_->path("ref/expected.json"))));
  }
  static void TearDownTestSuite() {
    delete corpus_;
    delete expected_;
    delete failure_;
    delete qwen3_;
    delete dir_;
    qwen3_ = nullptr;
    corpus_ = expected_ = nullptr;
    failure_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (failure_) FAIL() << *failure_;
    if (!corpus_) {
      GTEST_SKIP() << "the reference environment is absent: `make test` creates it (scripts/reference_env.sh) and "
                      "sets GR2_REFERENCE_PYTHON to its python (HF tokenizers, transformers)";
    }
  }
  // Encodes the whole corpus with `kind`'s tokenizer and compares with HF, id for id and decoded.
  static void check(const std::string& kind, bool expect_round_trip, std::string path = "") {
    const HfBpeTokenizer t = HfBpeTokenizer::load(path.empty() ? dir_->path("ref/" + kind) : path);
    const Json& ids = expected_->at(kind);
    const Json& decoded = expected_->at(kind + "_decoded");
    size_t mismatches = 0;
    for (size_t i = 0; i < corpus_->size(); ++i) {
      const std::string text = corpus_->at(i).get<std::string>();
      const std::vector<int64_t> got = t.encode(text);
      const std::vector<int64_t> want = ids.at(i).get<std::vector<int64_t>>();
      if (got != want && ++mismatches <= 5) {
        ADD_FAILURE() << kind << " case " << i << " " << Json(text).dump();
      }
      EXPECT_EQ(t.decode(got), decoded.at(i).get<std::string>()) << kind << " case " << i;
      if (expect_round_trip) {
        EXPECT_EQ(t.decode(got), text) << kind << " case " << i;
      }
    }
    EXPECT_EQ(mismatches, 0u) << "of " << corpus_->size() << " strings (tokenizers " << expected_->at("tokenizers") << ")";
  }
  static TempDir* dir_;
  static Json* corpus_;
  static Json* expected_;
  static std::string* failure_;
  static std::string* qwen3_;
};
TempDir* HfReference::dir_ = nullptr;
Json* HfReference::corpus_ = nullptr;
Json* HfReference::expected_ = nullptr;
std::string* HfReference::failure_ = nullptr;
std::string* HfReference::qwen3_ = nullptr;

TEST_F(HfReference, Qwen3StyleTokenizerGivesHfIdsOnTheWholeCorpus) {
  // NFC changes decomposed accents, so decode gives HF's normalized text back, not the input.
  check("qwen3_style", /*expect_round_trip=*/false);
}

TEST_F(HfReference, Gpt2StyleTokenizerGivesHfIdsAndRoundTripsByteExactly) { check("gpt2_style", true); }

// The real Qwen3 tokenizer.json (151,643 BPE tokens, 151,387 merges, 26 added tokens).
TEST_F(HfReference, RealQwen3TokenizerGivesHfIdsOnTheWholeCorpus) {
  if (!expected_->contains("qwen3")) {
    GTEST_SKIP() << *qwen3_ << " is absent (scripts/reference_env.sh fetches it)";
  }
  check("qwen3", false, *qwen3_);
  const HfBpeTokenizer t = HfBpeTokenizer::load(*qwen3_);
  EXPECT_EQ(t.size(), 151669);
  EXPECT_EQ(*t.token_id("<|im_end|>"), 151645);
  EXPECT_EQ(*t.token_id("<think>"), 151667);
  EXPECT_EQ(*t.token_id("</think>"), 151668);
}

TEST_F(HfReference, SidTokensAreSingleTokensInsideText) {
  const HfBpeTokenizer t = HfBpeTokenizer::load(dir_->path("ref/qwen3_style/tokenizer.json"));
  const std::vector<int64_t> ids = t.encode("x<|sid_begin|><s_a_7><s_d_255><|sid_end|>y");
  ASSERT_EQ(ids.size(), 6u);
  EXPECT_EQ(ids[1], *t.token_id("<|sid_begin|>"));
  EXPECT_EQ(ids[2], *t.token_id("<s_a_7>"));
  EXPECT_EQ(ids[3], *t.token_id("<s_d_255>"));
  EXPECT_EQ(ids[4], *t.token_id("<|sid_end|>"));
}

}  // namespace
}  // namespace gr2::lm
