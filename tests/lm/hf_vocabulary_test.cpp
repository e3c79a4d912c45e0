// The vocabulary over a Hugging Face tokenizer (a pretrained checkpoint's): special tokens taken from
// the base or appended, SID tokens after them, encode/decode, save/load of tokenizer.json with gr2's
// added tokens; and, with the reference environment, the real Qwen3 tokenizer grown by SID tokens
// and saved by gr2 reads in HF `tokenizers` and transformers' AutoTokenizer with the same ids as gr2
// gives, each SID token a single token.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/lm/hf_bpe_tokenizer.h"
#include "gr2/lm/vocabulary.h"
#include "lm/tiny_hf_tokenizer.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

// tiny_tokenizer's bytes + merges, then <|im_end|> (from tiny_tokenizer), <think>, </think> and
// <|endoftext|> as the base's own added tokens; no <|im_start|>, <|sid_begin|>, <|sid_end|>.
Json base_tokenizer() {
  Json j = tiny_tokenizer({{"h", "e"}, {"l", "l"}});  // ids 0-255 bytes, 256 he, 257 ll, 258 <|im_end|>
  j["added_tokens"].push_back(added_token(259, "<think>"));
  j["added_tokens"].push_back(added_token(260, "</think>"));
  j["added_tokens"].push_back(added_token(261, "<|endoftext|>"));
  return j;
}

Vocabulary base_vocabulary(const TempDir& dir) {
  make_directories(dir.path("base"));
  dir.write("base/tokenizer.json", base_tokenizer().dump());
  return Vocabulary::from_hf_tokenizer(dir.path("base"));
}

TEST(HfVocabulary, SpecialTokensComeFromTheBaseOrAreAppendedThenSidTokens) {
  TempDir dir;
  const Vocabulary base = base_vocabulary(dir);
  EXPECT_STREQ(base.text_kind(), "hf_bpe");
  EXPECT_EQ(base.text_size(), 262);
  EXPECT_EQ(base.eos_id(), 261);
  EXPECT_EQ(base.im_end_id(), 258);
  EXPECT_EQ(base.think_begin_id(), 259);
  EXPECT_EQ(base.think_end_id(), 260);
  EXPECT_EQ(base.im_start_id(), 262);  // appended in kSpecialTokens order
  EXPECT_EQ(base.sid_begin_id(), 263);
  EXPECT_EQ(base.sid_end_id(), 264);
  EXPECT_EQ(base.sid_offset(), 265);
  EXPECT_EQ(base.base_size(), 262);
  EXPECT_TRUE(base.is_special(259));
  EXPECT_FALSE(base.is_special(256));
  const Vocabulary v = base.with_sids(2, 4);
  EXPECT_EQ(v.size(), 265 + 8);
  EXPECT_EQ(v.sid_token(1, 3), 265 + 4 + 3);
  EXPECT_EQ(v.piece(265 + 4 + 3), "<s_b_3>");
  EXPECT_EQ(v.piece(263), "<|sid_begin|>");
  EXPECT_EQ(v.piece(259), "<think>");
  EXPECT_EQ(v.piece(256), "he");

  const std::string text = "hell<|im_start|>o<|sid_begin|><s_a_1><s_b_3><|sid_end|> <think>he</think><|endoftext|>";
  const std::vector<int64_t> ids = v.encode(text);
  EXPECT_EQ(ids, (std::vector<int64_t>{256, 257, 262, 'o', 263, 265 + 1, 265 + 4 + 3, 264, ' ', 259, 256, 260, 261}));
  EXPECT_EQ(v.decode(ids), text);
  // A multi-byte character split over byte tokens still decodes, whatever ids surround it.
  const std::string accented = "caf\xC3\xA9<s_a_0>\xF0\x9F\x91\x8D";
  EXPECT_EQ(v.decode(v.encode(accented)), accented);
  expect_error([&] { v.encode("<s_c_0>"); }, "not in this vocabulary");
  expect_error([&] { v.text_model(); }, "no SentencePiece model");
}

TEST(HfVocabulary, SaveWritesTokenizerJsonWithGr2TokensAndLoadGivesTheSameVocabulary) {
  TempDir dir;
  const Vocabulary v = base_vocabulary(dir).with_sids(2, 4);
  v.save(dir.path("ckpt"));
  EXPECT_TRUE(file_exists(dir.path("ckpt/tokenizer.json")));
  EXPECT_TRUE(file_exists(dir.path("ckpt/tokenizer_config.json")));
  EXPECT_FALSE(file_exists(dir.path("ckpt/tokenizer.model")));
  const Json saved = Json::parse(read_file(dir.path("ckpt/tokenizer.json")));
  ASSERT_EQ(saved["added_tokens"].size(), 4u + 3u + 8u);  // the base's 4, 3 appended specials, 8 SIDs
  EXPECT_EQ(saved["added_tokens"][4]["content"], "<|im_start|>");
  EXPECT_EQ(saved["added_tokens"][4]["id"], 262);
  EXPECT_EQ(saved["added_tokens"][14]["content"], "<s_b_3>");
  EXPECT_EQ(saved["added_tokens"][14]["id"], 272);

  const Vocabulary loaded = Vocabulary::load(dir.path("ckpt"));
  EXPECT_EQ(loaded, v);
  EXPECT_EQ(loaded.encode("<s_a_2>hello"), v.encode("<s_a_2>hello"));
  // The saved tokenizer.json alone (as transformers reads it) encodes the same ids.
  const HfBpeTokenizer alone = HfBpeTokenizer::load(dir.path("ckpt/tokenizer.json"));
  const std::string text = "<|sid_begin|><s_a_1><s_b_3><|sid_end|>hello<think>";
  EXPECT_EQ(alone.encode(text), v.encode(text));
  // A raw Hugging Face directory (no gr2.json) loads as the base.
  EXPECT_EQ(Vocabulary::load(dir.path("base")), base_vocabulary(dir));
  EXPECT_NE(Vocabulary::load(dir.path("base")), v);

  // gr2's added tokens edited by hand: refused, naming the file.
  Json edited = saved;
  edited["added_tokens"][14]["content"] = "<s_b_9>";
  dir.write("ckpt/tokenizer.json", edited.dump());
  expect_error([&] { Vocabulary::load(dir.path("ckpt")); }, "tokenizer.json: added_tokens");
  // Another base under the same description: refused by its checksum.
  Json other = saved;
  other["model"]["merges"] = Json::array({"l l", "h e"});
  dir.write("ckpt/tokenizer.json", other.dump());
  expect_error([&] { Vocabulary::load(dir.path("ckpt")); }, "checksum");
}

TEST(HfVocabulary, Gpt2StyleBaseGetsSixSpecialTokensAppended) {
  Json j = tiny_tokenizer({});
  j["added_tokens"][0] = added_token(256, "<|endoftext|>");
  TempDir dir;
  dir.write("tokenizer.json", j.dump());
  const Vocabulary v = Vocabulary::from_hf_tokenizer(dir.path("tokenizer.json"));
  EXPECT_EQ(v.text_size(), 257);
  EXPECT_EQ(v.eos_id(), 256);
  EXPECT_EQ(v.im_start_id(), 257);
  EXPECT_EQ(v.sid_end_id(), 262);
  EXPECT_EQ(v.sid_offset(), 263);
}

// The real Qwen3 tokenizer (reference environment) with 4 x 256 SID tokens: gr2's ids for a
// re-ranking prompt equal HF tokenizers' and AutoTokenizer's on the saved directory.
TEST(HfVocabulary, RealQwen3WithSidTokensReadsInTransformersWithTheSameIds) {
  const char* python = std::getenv("GR2_REFERENCE_PYTHON");
  if (!python || !*python)
    GTEST_SKIP() << "the reference environment is absent: `make test` creates it (scripts/reference_env.sh) and "
                    "sets GR2_REFERENCE_PYTHON to its python (HF tokenizers, transformers)";
  const std::string venv = std::filesystem::path(python).parent_path().parent_path().string();
  const std::string qwen3 = venv + "/qwen3-tokenizer/tokenizer.json";
  if (!file_exists(qwen3)) GTEST_SKIP() << qwen3 << " is absent (scripts/reference_env.sh fetches it)";
  const Vocabulary base = Vocabulary::from_hf_tokenizer(qwen3);
  EXPECT_EQ(base.text_size(), 151669);
  EXPECT_EQ(base.eos_id(), 151643);
  EXPECT_EQ(base.im_start_id(), 151644);
  EXPECT_EQ(base.im_end_id(), 151645);
  EXPECT_EQ(base.think_begin_id(), 151667);
  EXPECT_EQ(base.think_end_id(), 151668);
  EXPECT_EQ(base.sid_begin_id(), 151669);
  EXPECT_EQ(base.sid_offset(), 151671);
  const Vocabulary v = base.with_sids(4, 256);
  TempDir dir;
  v.save(dir.path("ckpt"));
  const std::string text =
      "<|im_start|>user\nA user bought, oldest first: <|sid_begin|><s_a_12><s_b_200><s_c_3><s_d_255><|sid_end|> "
      "\"Caf\xC3\xA9 cr\xC3\xA8me\" (2x), then <|sid_begin|><s_a_0><s_b_0><s_c_0><s_d_0><|sid_end|>.\n"
      "Rank the 10 candidates.<|im_end|>\n<|im_start|>assistant\n<think>\nThe user likes it.\n</think>\n\n"
      "<|sid_begin|><s_a_255><s_b_1><s_c_2><s_d_3><|sid_end|><|im_end|>";
  dir.write("text.txt", text);
  const std::vector<int64_t> ids = v.encode(text);
  EXPECT_EQ(v.decode(ids), text);
  int status = -1;
  const std::string out = run_command(
      std::string(python) + " -c '\n"
      "import json, sys\n"
      "from tokenizers import Tokenizer\n"
      "from transformers import AutoTokenizer\n"
      "d, text = sys.argv[1], open(sys.argv[2], encoding=\"utf-8\").read()\n"
      "raw = Tokenizer.from_file(d + \"/tokenizer.json\").encode(text, add_special_tokens=False).ids\n"
      "auto = AutoTokenizer.from_pretrained(d)\n"
      "print(json.dumps({\"raw\": raw, \"auto\": auto.encode(text, add_special_tokens=False), \"len\": len(auto),\n"
      "                  \"sid\": auto.convert_tokens_to_ids([\"<s_d_255>\", \"<|sid_end|>\"])}))\n"
      "' " + dir.path("ckpt") + " " + dir.path("text.txt") + " 2>/dev/null",
      status);
  ASSERT_EQ(status, 0) << out;
  const Json hf = Json::parse(out);
  EXPECT_EQ(hf["raw"].get<std::vector<int64_t>>(), ids);
  EXPECT_EQ(hf["auto"].get<std::vector<int64_t>>(), ids);
  EXPECT_EQ(hf["len"].get<int64_t>(), v.size());
  EXPECT_EQ(hf["sid"].get<std::vector<int64_t>>(), (std::vector<int64_t>{v.sid_token(3, 255), v.sid_end_id()}));
}

}  // namespace
}  // namespace gr2::lm
