// Tests of the language model's vocabulary: training on a generated corpus, the id layout, exact
// encode/decode round trips (random text with special and SID tokens, unicode, invalid UTF-8),
// with_sids keeping ids, save/load, determinism, errors, and the `gr2 vocab` commands.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/lm/answer_format.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/sid/sid_table.h"
#include "test_util.h"

namespace gr2::lm {
namespace {

// A small corpus with words, numbers, punctuation, unicode and irregular spacing.
std::vector<std::string> make_corpus(int lines, uint32_t seed) {
  const std::vector<std::string> words = {
      "the",   "shampoo", "cream",  "lipstick", "brush", "gentle", "for",    "dry",   "hair",   "skin",
      "with",  "vitamin", "oil",    "and",      "a",     "new",    "bottle", "user",  "bought", "after",
      "café",  "crème",   "naïve",  "日本",     "製品",  "ÜBER",   "ölig",   "🙂",     "spf",    "ml",
      "Beauty", "Hair Care", "(50ml)", "x2,",   "it's",  "-",      "price:", "$12.99", "100%",  "#1"};
  std::mt19937 rng(seed);
  std::vector<std::string> out;
  for (int i = 0; i < lines; ++i) {
    std::string line;
    const int n = 4 + static_cast<int>(rng() % 14);
    for (int k = 0; k < n; ++k) {
      if (k > 0) line += (rng() % 13 == 0) ? "  " : " ";
      line += words[rng() % words.size()];
      if (rng() % 7 == 0) line += std::to_string(rng() % 2000);
    }
    out.push_back(line);
  }
  return out;
}

TextTokenizerOptions small_options(const std::string& type = "bpe") {
  TextTokenizerOptions o;
  o.vocab_size = 400;
  o.model_type = type;
  return o;
}

// One trained vocabulary shared by the tests (training takes a fraction of a second).
const Vocabulary& trained() {
  static const Vocabulary v = Vocabulary::train(make_corpus(1500, 1), small_options());
  return v;
}

// Random text: corpus words, unicode, whitespace (also at the edges), digits, U+2581, invalid bytes,
// special and SID tokens and near-misses of their spellings.
std::string random_text(std::mt19937& rng, int64_t levels, int64_t codes) {
  static const std::vector<std::string> atoms = {
      "hello", "the", " ", "  ", "\n", "\t", "\r\n", "0", "42", "2024", "é", "日本語", "🙂", "\xE2\x96\x81", "▁x",
      "<", ">", "<|", "|>", "<s_", "<s_a", "<s_a_x>", "<s_A_1>", "<s_aa_1>", "<s__1>", "<|im_start", "<think",
      "</think", "<|endoftext|", "\xFF", "\xC3", "\xE2\x96", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xC0\xAF",
      std::string("\0", 1), "\x01", "<<", "shampoo", "café", "x", ".", ",", "\\", "\"", "'", "$12.99"};
  std::string out;
  const int n = static_cast<int>(rng() % 24);
  for (int k = 0; k < n; ++k) {
    const uint32_t r = rng() % 10;
    if (r == 0) {
      out += kSpecialTokens[rng() % kSpecialTokens.size()];
    } else if (r == 1 && levels > 0) {
      out += "<s_" + std::string(1, static_cast<char>('a' + rng() % levels)) + "_" + std::to_string(rng() % codes) + ">";
    } else {
      out += atoms[rng() % atoms.size()];
    }
  }
  return out;
}

TEST(VocabularyTest, IdLayout) {
  const Vocabulary& v = trained();
  EXPECT_GT(v.text_size(), 259);
  EXPECT_LE(v.text_size(), 400);
  EXPECT_EQ(v.sid_offset(), v.text_size() + 7);
  EXPECT_EQ(v.size(), v.sid_offset());
  EXPECT_EQ(v.sid_levels(), 0);
  EXPECT_EQ(v.piece(0), "<unk>");
  EXPECT_EQ(v.piece(1), "\n");
  for (size_t k = 0; k < kSpecialTokens.size(); ++k) {
    const int64_t id = v.text_size() + static_cast<int64_t>(k);
    EXPECT_EQ(v.piece(id), kSpecialTokens[k]);
    EXPECT_EQ(v.special_id(kSpecialTokens[k]), id);
    EXPECT_TRUE(v.is_special(id));
    EXPECT_EQ(v.encode(std::string(kSpecialTokens[k])), std::vector<int64_t>{id});
  }
  EXPECT_EQ(v.pad_id(), v.special_id("<|endoftext|>"));
  EXPECT_EQ(v.eos_id(), v.pad_id());
  EXPECT_EQ(v.im_start_id(), v.special_id("<|im_start|>"));
  EXPECT_EQ(v.im_end_id(), v.special_id("<|im_end|>"));
  EXPECT_EQ(v.think_begin_id(), v.special_id("<think>"));
  EXPECT_EQ(v.think_end_id(), v.special_id("</think>"));
  EXPECT_EQ(v.sid_begin_id(), v.special_id("<|sid_begin|>"));
  EXPECT_EQ(v.sid_end_id(), v.special_id("<|sid_end|>"));
  // Text never encodes to ids outside the text range, nor to <unk>; corpus-like text becomes
  // multi-byte pieces (a 400-piece model spends 258 on <unk>, "\n" and bytes, so not many).
  size_t bytes = 0, tokens = 0;
  for (const std::string& line : make_corpus(50, 9)) {
    const std::vector<int64_t> ids = v.encode(line);
    for (int64_t id : ids) {
      EXPECT_GT(id, 0);
      EXPECT_LT(id, v.text_size());
    }
    bytes += line.size();
    tokens += ids.size();
  }
  EXPECT_LT(tokens * 3, bytes * 2);
  // Digits are split.
  EXPECT_EQ(v.encode("2024").size(), 4u);
}

// The answer format that decoding and SFT's choice loss share: the direct answer only ends with
// <|im_end|>; with a think block the free part is capped, closed by </think> and a newline, and
// may not contain the turn's control tokens.
TEST(VocabularyTest, AnswerFormatNamesTheVocabularysTokens) {
  const Vocabulary& v = trained();
  const PermutationFormat direct = answer_format(v, false, 96);
  EXPECT_FALSE(direct.think);
  EXPECT_EQ(direct.end, std::vector<int64_t>{v.im_end_id()});
  EXPECT_TRUE(direct.separator.empty());
  const PermutationFormat think = answer_format(v, true, 96);
  EXPECT_TRUE(think.think);
  EXPECT_EQ(think.end, std::vector<int64_t>{v.im_end_id()});
  EXPECT_EQ(think.think_end, v.think_end_id());
  EXPECT_EQ(think.max_think_tokens, 96);
  EXPECT_EQ(think.after_think, v.encode("\n"));
  EXPECT_EQ(std::set<int64_t>(think.banned_in_think.begin(), think.banned_in_think.end()),
            (std::set<int64_t>{v.im_end_id(), v.eos_id(), v.im_start_id(), v.think_begin_id()}));
  // A think answer of 3 free tokens over candidates {5} and {6, 7}: the constraint accepts it.
  PermutationConstraint c({{5}, {6, 7}}, think);
  for (int64_t t : std::vector<int64_t>{1, 1, 1, v.think_end_id()}) c.advance(t);
  for (int64_t t : v.encode("\n")) c.advance(t);
  for (int64_t t : std::vector<int64_t>{6, 7, 5, v.im_end_id()}) c.advance(t);
  EXPECT_TRUE(c.done());
  EXPECT_EQ(c.order(), (std::vector<int64_t>{1, 0}));
}

TEST(VocabularyTest, SidTokens) {
  const Vocabulary v = trained().with_sids(4, 256);
  EXPECT_EQ(v.sid_levels(), 4);
  EXPECT_EQ(v.sid_codes(), 256);
  EXPECT_EQ(v.size(), v.sid_offset() + 4 * 256);
  EXPECT_EQ(v.sid_token(0, 0), v.sid_offset());
  EXPECT_EQ(v.sid_token(0, 97), v.sid_offset() + 97);
  EXPECT_EQ(v.sid_token(2, 5), v.sid_offset() + 2 * 256 + 5);
  EXPECT_EQ(v.sid_token(3, 255), v.size() - 1);
  EXPECT_EQ(v.piece(v.sid_token(0, 97)), "<s_a_97>");
  EXPECT_EQ(v.piece(v.sid_token(3, 255)), "<s_d_255>");
  EXPECT_EQ(v.encode("<s_a_97>"), std::vector<int64_t>{v.sid_token(0, 97)});
  EXPECT_FALSE(v.is_sid_token(v.sid_offset() - 1));
  EXPECT_TRUE(v.is_sid_token(v.sid_offset()));
  EXPECT_FALSE(v.is_sid_token(v.size()));
  for (int64_t id = v.sid_offset(); id < v.size(); ++id) {
    const auto [level, code] = v.sid_of_token(id);
    EXPECT_EQ(v.sid_token(level, code), id);
  }
  // An item renders as [sid_begin, a, b, c, d, sid_end], the same ids as its spelled tokens.
  const int32_t sid[4] = {97, 168, 3, 255};
  const std::vector<int64_t> item = v.item_tokens(sid, 4);
  ASSERT_EQ(item.size(), 6u);
  EXPECT_EQ(item.front(), v.sid_begin_id());
  EXPECT_EQ(item[1], v.sid_token(0, 97));
  EXPECT_EQ(item[2], v.sid_token(1, 168));
  EXPECT_EQ(item.back(), v.sid_end_id());
  const std::string spelled = sid::sid_to_tokens(sid, 4);
  EXPECT_EQ(v.encode(spelled), item);
  EXPECT_EQ(v.decode(item), spelled);
}

TEST(VocabularyTest, WithSidsKeepsExistingIds) {
  const Vocabulary& base = trained();
  const Vocabulary v3 = base.with_sids(3, 16);
  const Vocabulary v4 = v3.with_sids(4, 16);
  for (int64_t id = 0; id < base.size(); ++id) {
    EXPECT_EQ(v3.piece(id), base.piece(id));
  }
  for (int64_t id = 0; id < v3.size(); ++id) {
    EXPECT_EQ(v4.piece(id), v3.piece(id));
  }
  EXPECT_EQ(v4.size(), v3.size() + 16);
  const std::string text = "the new cream <|im_start|>user\n<s_c_15> café 🙂";
  EXPECT_EQ(v4.encode(text), v3.encode(text));
  EXPECT_EQ(base.encode("the new cream"), v4.encode("the new cream"));
  expect_error([&] { v3.with_sids(3, 32); }, "would change their ids");
  expect_error([&] { v3.with_sids(2, 16); }, "would change their ids");
  expect_error([&] { base.with_sids(27, 16); }, "[1, 26]");
  expect_error([&] { base.with_sids(2, 0); }, "at least 1");
  const Vocabulary back = v4.without_sids();
  EXPECT_EQ(back, base);
  EXPECT_EQ(back.with_sids(2, 32).size(), base.size() + 64);
}

TEST(VocabularyTest, RoundTripsRandomText) {
  for (int64_t levels : {0, 4}) {
    const Vocabulary v = levels > 0 ? trained().with_sids(levels, 64) : trained();
    std::mt19937 rng(static_cast<uint32_t>(7 + levels));
    for (int trial = 0; trial < 3000; ++trial) {
      const std::string text = random_text(rng, levels, 64);
      const std::vector<int64_t> ids = v.encode(text);
      ASSERT_EQ(v.decode(ids), text) << "trial " << trial << ", text: " << Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
      for (int64_t id : ids) ASSERT_TRUE(id > 0 && id < v.size());
    }
  }
}

TEST(VocabularyTest, RoundTripsEdgeCases) {
  const Vocabulary v = trained().with_sids(4, 256);
  const std::vector<std::string> cases = {
      "",
      " ",
      "   leading and trailing   ",
      " <|im_start|> spaces around specials <|im_end|> ",
      "<|im_start|>system\nYou rank items.<|im_end|>\n<|im_start|>user\n",
      "<think>\n  reasoning about <|sid_begin|><s_a_97><s_b_168><s_c_3><s_d_0><|sid_end|> </think>",
      "<|endoftext|><|endoftext|>",
      "digits 0123456789 and 3.14159",
      "unicode: café naïve 日本語 製品 🙂👍🏽 Ω≈ç√",
      "\xE2\x96\x81 the space marker itself \xE2\x96\x81\xE2\x96\x81",
      "invalid \xFF\xFE bytes \xC3 and a cut \xE2\x96",
      std::string("nul \0 inside", 12),
      "tabs\tand\r\nwindows lines\n\n\n",
      "not tokens: <s_A_1> <s_aa_1> <s_a_> <s_a_1 <|im_start <think > </ think>",
  };
  for (const std::string& text : cases) {
    EXPECT_EQ(v.decode(v.encode(text)), text) << Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  // Specials written next to text are single ids; the text around them is kept as is.
  const std::vector<int64_t> ids = v.encode("a<|im_end|>b");
  ASSERT_GE(ids.size(), 3u);
  EXPECT_NE(std::find(ids.begin(), ids.end(), v.im_end_id()), ids.end());
  EXPECT_EQ(v.encode("<think></think>"), (std::vector<int64_t>{v.think_begin_id(), v.think_end_id()}));
  // The <unk> id decodes to U+2047 (encode never produces it).
  EXPECT_EQ(v.decode({0}), "\xE2\x81\x87");
}

TEST(VocabularyTest, UnigramTrainsAndRoundTrips) {
  const Vocabulary v = Vocabulary::train(make_corpus(1500, 2), small_options("unigram"));
  EXPECT_GT(v.text_size(), 259);
  std::mt19937 rng(3);
  for (int trial = 0; trial < 500; ++trial) {
    const std::string text = random_text(rng, 0, 1);
    ASSERT_EQ(v.decode(v.encode(text)), text);
  }
}

std::vector<std::string> pieces_of(const Vocabulary& v) {
  std::vector<std::string> out;
  for (int64_t id = 0; id < v.text_size(); ++id) out.push_back(v.piece(id));
  return out;
}

TEST(VocabularyTest, TrainingIsDeterministic) {
  const std::vector<std::string> corpus = make_corpus(1500, 1);
  // Same corpus and options: the same model, byte for byte (checksums compared for short messages).
  EXPECT_EQ(Vocabulary::train(corpus, small_options()).to_json()["text_model_fnv1a64"],
            trained().to_json()["text_model_fnv1a64"]);
  TextTokenizerOptions unigram2 = small_options("unigram");
  unigram2.num_threads = 2;
  EXPECT_EQ(Vocabulary::train(corpus, unigram2).to_json()["text_model_fnv1a64"],
            Vocabulary::train(corpus, unigram2).to_json()["text_model_fnv1a64"]);
  // BPE: the pieces do not depend on the number of threads (the model records num_threads, so the
  // bytes differ).
  TextTokenizerOptions bpe2 = small_options();
  bpe2.num_threads = 2;
  EXPECT_EQ(pieces_of(Vocabulary::train(corpus, bpe2)), pieces_of(trained()));
  // A sample of the input (input_sentence_size) is drawn with a fixed seed.
  TextTokenizerOptions sampled = small_options();
  sampled.input_sentence_size = 500;
  const Vocabulary s1 = Vocabulary::train(corpus, sampled);
  EXPECT_EQ(s1.text_model(), Vocabulary::train(corpus, sampled).text_model());
  EXPECT_NE(pieces_of(s1), pieces_of(trained()));
}

TEST(VocabularyTest, TrainFileMatchesInMemoryAndCutsLongLines) {
  TempDir dir;
  const std::vector<std::string> corpus = make_corpus(1500, 1);
  std::string content;
  for (const std::string& line : corpus) content += line + "\n\n";  // blank lines are skipped
  const std::string path = dir.write("corpus.txt", content);
  EXPECT_EQ(Vocabulary::train_file(path, small_options()).text_model(), trained().text_model());

  // A line far longer than max_sentence_length still contributes (it is cut, not dropped).
  std::string long_line;
  for (int i = 0; i < 3000; ++i) long_line += "zyzzyva ";
  TextTokenizerOptions o = small_options();
  o.max_sentence_length = 256;
  const Vocabulary v = Vocabulary::train({long_line, "the cream"}, o);
  EXPECT_LE(v.encode("zyzzyva").size(), 2u);
}

TEST(VocabularyTest, SaveLoadAndJson) {
  TempDir dir;
  const Vocabulary v = trained().with_sids(3, 32);
  // gr2.json written by the checkpoint code keeps its other keys.
  dir.write("gr2.json", R"({"model": {"kind": "qwen3"}, "vocabulary": {"stale": true}})");
  v.save(dir.path());
  const Json doc = Json::parse(read_file(dir.path("gr2.json")));
  EXPECT_EQ(doc["model"]["kind"], "qwen3");
  EXPECT_EQ(doc["vocabulary"], v.to_json());
  EXPECT_EQ(doc["vocabulary"]["text_size"], v.text_size());
  EXPECT_EQ(doc["vocabulary"]["sid_offset"], v.sid_offset());
  EXPECT_EQ(doc["vocabulary"]["special_tokens"][5]["token"], "<|sid_begin|>");
  EXPECT_EQ(doc["vocabulary"]["special_tokens"][5]["id"], v.sid_begin_id());
  EXPECT_EQ(read_file(dir.path("tokenizer.model")), v.text_model());

  const Vocabulary loaded = Vocabulary::load(dir.path());
  EXPECT_EQ(loaded, v);
  EXPECT_EQ(loaded.size(), v.size());
  const std::string text = "<|im_start|>user\n<s_b_31> the café 🙂<|im_end|>";
  EXPECT_EQ(loaded.encode(text), v.encode(text));
  EXPECT_EQ(Vocabulary::from_parts(v.text_model(), v.to_json()), v);

  // A directory without gr2.json gets a fresh one.
  TempDir fresh;
  trained().save(fresh.path("sub/dir"));
  EXPECT_EQ(Vocabulary::load(fresh.path("sub/dir")), trained());
}

TEST(VocabularyTest, LoadErrors) {
  TempDir dir;
  expect_error([&] { Vocabulary::load(dir.path()); }, "gr2.json: missing");
  const Vocabulary& v = trained();
  v.save(dir.path());
  dir.write("tokenizer.model", "not a model");
  expect_error([&] { Vocabulary::load(dir.path()); }, "tokenizer.model: not a SentencePiece model");
  std::remove(dir.path("tokenizer.model").c_str());
  expect_error([&] { Vocabulary::load(dir.path()); }, "tokenizer.model: missing");
  // A tokenizer.model from another vocabulary.
  const Vocabulary other = Vocabulary::train(make_corpus(300, 5), small_options("unigram"));
  dir.write("tokenizer.model", other.text_model());
  expect_error([&] { Vocabulary::load(dir.path()); }, "tokenizer.model from another vocabulary");
  dir.write("gr2.json", "{\"vocabulary\": ");
  expect_error([&] { Vocabulary::load(dir.path()); }, "gr2.json: invalid JSON");
  dir.write("gr2.json", "{\"model\": {}}");
  expect_error([&] { Vocabulary::load(dir.path()); }, "no \"vocabulary\" key");

  Json j = v.to_json();
  j["format_version"] = 99;
  expect_error([&] { Vocabulary::from_parts(v.text_model(), j); }, "format_version");
  j = v.to_json();
  j["special_tokens"][3]["token"] = "<reasoning>";
  expect_error([&] { Vocabulary::from_parts(v.text_model(), j); }, "special_tokens");
  j = v.to_json();
  j["text_model_fnv1a64"] = "0000000000000000";
  expect_error([&] { Vocabulary::from_parts(v.text_model(), j); }, "checksum");
  j = v.to_json();
  j["sid_levels"] = 2;
  expect_error([&] { Vocabulary::from_parts(v.text_model(), j); }, "sid_codes");
  // save() refuses to clobber a gr2.json it cannot parse.
  TempDir bad;
  bad.write("gr2.json", "{oops");
  expect_error([&] { v.save(bad.path()); }, "invalid JSON; not overwriting it");
}

TEST(VocabularyTest, EncodeAndLookupErrors) {
  const Vocabulary v = trained().with_sids(4, 256);
  expect_error([&] { v.encode("next: <s_e_1>"); }, "<s_e_1>");
  expect_error([&] { v.encode("next: <s_a_256>"); }, "<s_a_256>, which is not in this vocabulary (levels a-d, codes 0-255)");
  expect_error([&] { v.encode("<s_b_99999999999999999999>"); }, "not in this vocabulary");
  expect_error([&] { v.encode("<s_a_07>"); }, "leading zero");
  expect_error([&] { trained().encode("<s_a_1>"); }, "has no SID tokens");
  expect_error([&] { v.sid_token(4, 0); }, "level 4, code 0");
  expect_error([&] { v.sid_token(0, -1); }, "no SID token");
  expect_error([&] { v.sid_of_token(5); }, "not a SID token");
  expect_error([&] { v.decode({v.size()}); }, "outside [0, ");
  expect_error([&] { v.decode({-1}); }, "outside [0, ");
  expect_error([&] { v.special_id("<|im_middle|>"); }, "not a special token");
  const int32_t sid[3] = {1, 2, 3};
  expect_error([&] { v.item_tokens(sid, 3); }, "3 levels");
}

TEST(VocabularyTest, OptionErrors) {
  TextTokenizerOptions o = small_options("word");
  expect_error([&] { Vocabulary::train({"a b c"}, o); }, "model_type");
  o = small_options();
  o.vocab_size = 100;
  expect_error([&] { Vocabulary::train({"a b c"}, o); }, "vocab_size must be at least 260");
  o = small_options();
  o.character_coverage = 0.9;
  expect_error([&] { Vocabulary::train({"a b c"}, o); }, "character_coverage must be in [0.98, 1]");
  expect_error([&] { Vocabulary::train({"", "  "}, small_options()); }, "no text to train");
  expect_error([&] { Vocabulary::train_file("/nonexistent/corpus.txt", small_options()); },
               "/nonexistent/corpus.txt: cannot open");
  // More characters than pieces: SentencePiece's complaint, with a hint.
  std::string many;
  for (int c = 0x4E00; c < 0x4E00 + 400; ++c) {
    many += static_cast<char>(0xE0 | (c >> 12));
    many += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    many += static_cast<char>(0x80 | (c & 0x3F));
    many += ' ';
  }
  expect_error([&] { Vocabulary::train({many}, small_options()); }, "Vocabulary size is smaller than required_chars");
}

TEST(VocabularyCliTest, TrainAndEncode) {
  TempDir dir;
  std::string content;
  for (const std::string& line : make_corpus(800, 4)) content += line + "\n";
  const std::string corpus = dir.write("corpus.txt", content);
  CliResult r = run_cli("vocab train --corpus " + corpus + " --out " + dir.path("vocab") +
                        " --vocab-size 350 --model-type unigram --sid-levels 3 --sid-codes 8");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("+ 7 special + 24 SID tokens"), std::string::npos) << r.output;
  const Vocabulary v = Vocabulary::load(dir.path("vocab"));
  EXPECT_EQ(v.sid_levels(), 3);
  EXPECT_EQ(v.sid_codes(), 8);

  r = run_cli("vocab encode --vocab " + dir.path("vocab") + " --text '<|im_start|>the cream<s_c_7>'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\"<|im_start|>\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"<s_c_7>\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::to_string(v.sid_token(2, 7))), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("round trip: exact"), std::string::npos) << r.output;

  r = run_cli("vocab encode --vocab " + dir.path("vocab") + " --text '<s_d_0>'");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("gr2: error:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("<s_d_0>"), std::string::npos) << r.output;

  r = run_cli("vocab encode --vocab " + dir.path("missing") + " --text x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("gr2.json: missing"), std::string::npos) << r.output;

  // decode gives the text back; bad ids are bad input
  r = run_cli("vocab decode --vocab " + dir.path("vocab") + " --ids " + std::to_string(v.sid_token(2, 7)));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "<s_c_7>\n");
  r = run_cli("vocab decode --vocab " + dir.path("vocab") + " --ids 1,x");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--ids must be integers"), std::string::npos) << r.output;
  r = run_cli("vocab decode --vocab " + dir.path("vocab") + " --ids " + std::to_string(v.size()));
  EXPECT_EQ(r.status, 2) << r.output;
}

}  // namespace
}  // namespace gr2::lm
