// `gr2 generate`: text from a checkpoint (model + vocabulary in one directory) for a prompt, with
// greedy or sampled decoding; or, with --sids, the most likely catalog items by beam search over
// the catalog's SID trie. Argument parsing and printing only: the work is in gr2/lm/generator and
// gr2/lm/beam_search (docs/generation.md).
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "gr2/cli/command.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/jsonl.h"
#include "gr2/core/timing.h"
#include "gr2/lm/beam_search.h"
#include "gr2/lm/generator.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/lm/sid_trie.h"
#include "gr2/lm/vocabulary.h"
#include "gr2/sid/sid_table.h"

namespace gr2::cli {
namespace {

struct GenerateArgs {
  std::string model, prompt, prompt_file, sids, device = "auto", dtype = "float32";
  lm::GenerationOptions options;
  int64_t beam = 10, top = 10;
  bool ids = false;
};

void add_generate_command(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  a->options.max_new_tokens = 64;
  auto* cmd = app.add_subcommand(
      "generate",
      "Generate a continuation of a prompt with a checkpoint directory (config.json, model.safetensors,\n"
      "tokenizer.model, gr2.json). Special and SID tokens may be written literally in the prompt\n"
      "(\"<|im_start|>user ...<|im_end|>\"). Decoding stops at <|im_end|> or <|endoftext|> or after\n"
      "--max-new-tokens; the text is printed without the stop token. With --sids, prints instead the\n"
      "--top most likely catalog items after the prompt (beam search over the catalog's SIDs; the\n"
      "prompt ends where <|sid_begin|> would come). See docs/generation.md.\n"
      "Examples: gr2 generate --model work/midtrain --prompt \"<|im_start|>user hello<|im_end|>\"\n"
      "          gr2 generate --model work/midtrain --sids work/sid/sids.jsonl --prompt \"...\" --top 5");
  cmd->add_option("--model", a->model, "Checkpoint directory (model and vocabulary)")->required();
  auto* text = cmd->add_option("--prompt", a->prompt, "Prompt text");
  auto* file = cmd->add_option("--prompt-file", a->prompt_file, "Read the prompt from this file")->check(CLI::ExistingFile);
  text->excludes(file);
  cmd->add_option("--max-new-tokens", a->options.max_new_tokens, "Most tokens to generate")->capture_default_str();
  cmd->add_option("--temperature", a->options.sampling.temperature, "0 = greedy; > 0 samples")->capture_default_str();
  cmd->add_option("--top-k", a->options.sampling.top_k, "Sample among the k most likely tokens (0 = all)")
      ->capture_default_str();
  cmd->add_option("--top-p", a->options.sampling.top_p, "Nucleus sampling mass (1 = off)")->capture_default_str();
  cmd->add_option("--seed", a->options.sampling.seed, "Sampling seed")->capture_default_str();
  cmd->add_flag("--ids", a->ids, "Also print the generated token ids");
  cmd->add_option("--sids", a->sids, "sids.jsonl of the catalog: beam search for items instead of text")
      ->check(CLI::ExistingFile);
  cmd->add_option("--beam", a->beam, "Beam width (with --sids)")->capture_default_str();
  cmd->add_option("--top", a->top, "Items to print (with --sids; at most --beam)")->capture_default_str();
  cmd->add_option("--dtype", a->dtype, "Weights in memory: float32 or bfloat16")
      ->check(CLI::IsMember({"float32", "bfloat16"}))
      ->capture_default_str();
  add_device_option(*cmd, a->device);
  cmd->callback([a] {
    require(!a->prompt.empty() || !a->prompt_file.empty(), "gr2 generate: give --prompt TEXT or --prompt-file FILE");
    const torch::Device device = resolve_device(a->device);
    const lm::Vocabulary vocab = lm::Vocabulary::load(a->model);
    auto model = lm::load_model(a->model, device, a->dtype == "bfloat16" ? torch::kBFloat16 : torch::kFloat);
    model->config().require_rows_for(vocab.size(), a->model);
    const std::vector<int64_t> prompt = vocab.encode(a->prompt_file.empty() ? a->prompt : read_file(a->prompt_file));
    require(!prompt.empty(), "gr2 generate: the prompt is empty");
    Stopwatch watch;
    if (!a->sids.empty()) {
      require(a->top >= 1 && a->top <= a->beam, "gr2 generate: --top must be between 1 and --beam (" +
                                                     std::to_string(a->beam) + ")");
      const sid::SidTable table = sid::read_sids_jsonl(a->sids, vocab.sid_codes());
      const lm::SidTrie trie = lm::SidTrie::for_vocabulary(table, vocab);
      lm::BeamSearchOptions opt;
      opt.beam_width = a->beam;
      opt.num_results = a->top;
      opt.pad_id = vocab.pad_id();
      const auto hits = lm::beam_search_items(*model, trie, {prompt}, vocab.sid_begin_id(), opt)[0];
      for (size_t k = 0; k < hits.size(); ++k) {
        const auto item = hits[k].item;
        std::printf("%2zu  %-24s %s  log_prob %.4f\n", k + 1, table.ids[static_cast<size_t>(item)].c_str(),
                    sid::sid_to_tokens(table.sid(item), table.levels).c_str(), hits[k].log_prob);
      }
      std::fprintf(stderr, "gr2 generate: beam %lld over %lld items in %.2f s\n", static_cast<long long>(a->beam),
                   static_cast<long long>(table.size()), watch.seconds());
      return;
    }
    a->options.stop_tokens = {vocab.im_end_id(), vocab.eos_id()};
    a->options.pad_id = vocab.pad_id();
    lm::GenerationStats stats;
    const lm::GenerationResult r = lm::generate(*model, std::vector<std::vector<int64_t>>{prompt}, a->options, &stats)[0];
    // The text without the stop token that ended it (--ids shows every generated id).
    std::vector<int64_t> text_ids = r.tokens;
    if (r.finish_reason == lm::FinishReason::Stop) text_ids.pop_back();
    std::cout << vocab.decode(text_ids) << "\n";
    if (a->ids) std::cout << "ids: " << Json(r.tokens).dump() << "\n";
    std::cout.flush();
    std::fprintf(stderr, "gr2 generate: %lld prompt + %zu new tokens (%s), log_prob %.3f, %.2f s (first token %.2f s)\n",
                 static_cast<long long>(r.prompt_length), r.tokens.size(), lm::finish_reason_name(r.finish_reason),
                 r.log_prob, stats.seconds, stats.first_token_seconds);
  });
}

}  // namespace
GR2_REGISTER_COMMAND(75, add_generate_command);
}  // namespace gr2::cli
