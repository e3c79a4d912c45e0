#!/usr/bin/env python3
"""Reference data for gr2's Hugging Face BPE tokenizer (tests/lm/hf_bpe_tokenizer_test.cpp).

Builds two byte-level BPE tokenizers with Hugging Face `tokenizers` on a training corpus written
here: a Qwen3-style one (NFC, Qwen2's split regex, ByteLevel without regex, Qwen3's special and
chat tokens, <think>/</think> as added tokens, gr2's SID tokens added on top) and a GPT-2-style one
(ByteLevel with its own regex). Then encodes a test corpus (the hand-written cases below plus
seeded random strings) with each and writes, under OUT_DIR:
  qwen3_style/tokenizer.json, gpt2_style/tokenizer.json, corpus.json (the test strings),
  expected.json ({"qwen3_style": [[ids]...], "gpt2_style": [...], "tokenizers": version}).
Any extra tokenizer.json given with --extra NAME=PATH (e.g. a real Qwen3 file) is encoded too.

Usage: python3 hf_tokenizer_reference.py OUT_DIR [--extra NAME=PATH ...]
"""
import argparse
import json
import os
import random

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers, AddedToken

QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                 r"|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

WORDS = ("the a of to and in is it that for on with as was he she they we you his her its be at by "
         "this have from or one had not but what all were when your can said there use an each which do "
         "how their if will up other about out many then them these so some would make like him into time "
         "has look two more write go see number no way could people my than first water been call who oil "
         "now find long down day did get come made may part lipstick primer foundation serum mascara brand "
         "Belriell Noxa shampoo conditioner rating review bought history candidate choice upstream").split()


def training_corpus():
    rnd = random.Random(11)
    lines = []
    for _ in range(3000):
        words = [rnd.choice(WORDS) for _ in range(rnd.randint(3, 14))]
        if rnd.random() < 0.3:
            words[0] = words[0].capitalize()
        line = " ".join(words)
        if rnd.random() < 0.3:
            line += rnd.choice([".", ",", "!", "?", ":", " 2024", " 3.5", " #12", " (ok)", "'s", " don't"])
        lines.append(line)
    lines += ["日本語のテキストと中文文本，还有한국어 문장。"] * 20
    lines += ["Café naïve résumé façade Ångström Øre straße"] * 20
    lines += ["emoji 👍🏽 👩‍👩‍👧‍👦 ❤️ 🎉"] * 10
    lines += ["\tindented\n\nlines\r\nwith  spaces   and\ttabs"] * 20
    lines += ["1234567890 3.14159 1,000,000 007"] * 20
    return lines


def test_corpus():
    cases = [
        "", " ", "  ", "\n", "hello", "Hello world.", "The quick brown fox jumps over the lazy dog.",
        # contractions in every case
        "it's It's IT'S iT's we're WE'RE they've THEY'VE I'm I'M we'll WE'LL he'd HE'D don't DON'T",
        "'s at the start", "ends with 's", "quote 'S' and 'Ll' and 'Re'", "rock'n'roll o'clock",
        # digits and long numbers
        "1234567890", "3.14159265358979", "1,000,000.00", "Call 555-0199 at 10:30pm", "x2 h2o 1st 22nd",
        "000000000000000000000000000000", "v1.2.3-rc4",
        # runs of spaces, tabs, CR/LF
        "a  b   c    d", "   leading", "trailing   ", "\ttab\t\tdouble", "line1\nline2\r\nline3\rline4",
        "\n\n\n", " \n \n ", "a \n\n b", "end\r\n", "\t \t \n",
        # CJK, Hangul, full-width
        "日本語のテキスト", "中文文本，标点。", "한국어 문장입니다", "ＡＢＣ　１２３！", "ｈｅｌｌｏ　ｗｏｒｌｄ",
        # emoji with joiners and modifiers
        "👍", "👍🏽", "👩‍👩‍👧‍👦", "❤️‍🔥", "🏳️‍🌈 flag", "family: 👨‍👩‍👧 ok", "🇯🇵🇺🇸",
        # accented Latin, precomposed and decomposed (NFC makes them equal in the Qwen3 style)
        "Café naïve résumé", "Cafe\u0301 nai\u0308ve", "Ångström Øre straße", "ǅ ǈ ǋ", "ﬁ ﬂ ligatures",
        # other scripts and odd spaces
        "Ελληνικά κείμενο", "Русский текст", "עברית", "العربية", "हिन्दी", "non\u00a0breaking",
        "next\u0085line", "ideographic\u3000space", "zero\u200bwidth", "soft\u00adhyphen", "\u200d",
        # punctuation runs
        "...!!!???", "--==>>", "a.b.c", "(parenthesised) [bracketed] {braced}", "email@example.com",
        "https://example.com/path?q=1&r=2#frag", "#hashtag @mention $100 %50 ^_^",
        # special and SID tokens inside text
        "<|im_start|>user\nhi<|im_end|>", "foo<|im_end|>bar", "<|endoftext|><|endoftext|>",
        "<think>\nreasoning\n</think>\n\nanswer", "x<think>y</think>z",
        "<|sid_begin|><s_a_1><s_b_22><s_c_255><s_d_0><|sid_end|>",
        "Last <|sid_begin|><s_a_211><s_b_211><s_c_37><s_d_150><|sid_end|>, then often Foundation.",
        "<s_a_1 not a token>", "<|im_start", "im_end|>",
    ]
    # The chat template around a re-ranking prompt (gr2's layout).
    cases.append(
        "<|im_start|>system\nYou re-rank the candidates for this user. Answer with the candidates' SIDs, best "
        "first.<|im_end|>\n<|im_start|>user\nHistory (oldest first):\n1. <|sid_begin|><s_a_3><s_b_14><s_c_15>"
        "<s_d_92><|sid_end|>\n2. <|sid_begin|><s_a_65><s_b_35><s_c_89><s_d_79><|sid_end|>\nCandidates:\nA. "
        "<|sid_begin|><s_a_32><s_b_38><s_c_46><s_d_26><|sid_end|>\nB. <|sid_begin|><s_a_43><s_b_38><s_c_32>"
        "<s_d_79><|sid_end|><|im_end|>\n<|im_start|>assistant\n<think>\n1. History: Primer; brand Belriell.\n"
        "</think>\n\n<|sid_begin|><s_a_43><s_b_38><s_c_32><s_d_79><|sid_end|><|im_end|>\n")
    # Seeded random strings over a pool of the hard characters.
    pool = (list("abcXYZ019 '\t\n\r.,!?-_") + ["é", "e\u0301", "日", "本", "한", "Ａ", "１", "👍", "🏽", "\u200d",
            "\u00a0", "\u3000", "\u0085", "'s", "'LL", "<|im_end|>", "<think>", "<s_a_7>", "<|sid_begin|>", "ß", "Ω"])
    rnd = random.Random(5)
    for _ in range(2000):
        cases.append("".join(rnd.choice(pool) for _ in range(rnd.randint(1, 40))))
    return cases


def build(kind, corpus):
    tok = Tokenizer(models.BPE())
    if kind == "qwen3_style":
        tok.normalizer = normalizers.NFC()
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)])
    else:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=1200, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=SPECIAL, show_progress=False)
    tok.train_from_iterator(corpus, trainer)
    # As Qwen3: <think>/</think> are added, not special, matched on the raw text.
    tok.add_tokens([AddedToken("<think>", normalized=False, special=False),
                    AddedToken("</think>", normalized=False, special=False)])
    # gr2's SID tokens, appended as added tokens (normalized, the tokenizers default for non-special ones).
    sid = ["<|sid_begin|>", "<|sid_end|>"] + [f"<s_{l}_{c}>" for l in "abcd" for c in range(256)]
    tok.add_tokens(sid)
    return tok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--extra", action="append", default=[], help="NAME=PATH of another tokenizer.json")
    args = parser.parse_args()
    corpus = test_corpus()
    train = training_corpus()
    expected = {"tokenizers": tokenizers.__version__}
    tokenizers_by_name = {}
    for kind in ("qwen3_style", "gpt2_style"):
        tok = build(kind, train)
        os.makedirs(os.path.join(args.out_dir, kind), exist_ok=True)
        tok.save(os.path.join(args.out_dir, kind, "tokenizer.json"))
        tokenizers_by_name[kind] = Tokenizer.from_file(os.path.join(args.out_dir, kind, "tokenizer.json"))
    for spec in args.extra:
        name, path = spec.split("=", 1)
        tokenizers_by_name[name] = Tokenizer.from_file(path)
    for name, tok in tokenizers_by_name.items():
        encodings = tok.encode_batch(corpus, add_special_tokens=False)
        expected[name] = [e.ids for e in encodings]
        expected[name + "_decoded"] = [tok.decode(e.ids, skip_special_tokens=False) for e in encodings]
    with open(os.path.join(args.out_dir, "corpus.json"), "w", encoding="utf-8") as f:
        json.dump(corpus, f, ensure_ascii=False)
    with open(os.path.join(args.out_dir, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
