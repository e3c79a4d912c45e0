// beam_search_items: prefill of (prompt + sid_begin), then L levels of trie-restricted expansion.
#include "gr2/lm/beam_search.h"

#include <algorithm>
#include <string>

#include <torch/torch.h>

#include "gr2/core/error.h"
#include "gr2/lm/eval_mode.h"
#include "gr2/lm/kv_cache.h"
#include "gr2/lm/left_padded_batch.h"

namespace gr2::lm {

void BeamSearchOptions::validate() const {
  require(beam_width >= 1, "beam search: beam_width must be >= 1, got " + std::to_string(beam_width));
  require(num_results >= 1 && num_results <= beam_width, "beam search: num_results must be in [1, beam_width = " +
                                                             std::to_string(beam_width) + "], got " +
                                                             std::to_string(num_results));
  require(max_batch_prompts >= 1, "beam search: max_batch_prompts must be >= 1");
  require(pad_id >= 0, "beam search: pad_id must be a token id (>= 0)");
}

namespace {

struct Beam {
  int64_t prompt;  // index within the chunk
  int64_t row;     // cache row holding its prefix
  int32_t node;    // trie node reached
  double score;
};

struct Candidate {
  double score;
  int64_t parent;  // index into the current beams
  int32_t node;    // child node
  int64_t token;
};

// Beam search for prompts[begin, end).
void search_chunk(Qwen3LmImpl& model, const SidTrie& trie, const std::vector<std::vector<int64_t>>& prompts,
                  size_t begin, size_t end, int64_t sid_begin, const BeamSearchOptions& options,
                  std::vector<std::vector<ScoredItem>>& out) {
  const torch::Tensor& weight = model.model->embed_tokens->weight;
  const torch::Device device = weight.device();
  const int64_t n = static_cast<int64_t>(end - begin), L = trie.levels(), W = options.beam_width;
  std::vector<std::vector<int64_t>> seqs;  // each prompt + <|sid_begin|>
  for (size_t p = begin; p < end; ++p) {
    seqs.push_back(prompts[p]);
    seqs.back().push_back(sid_begin);
  }
  std::vector<const std::vector<int64_t>*> rows;
  for (const auto& s : seqs) rows.push_back(&s);
  const LeftPaddedBatch batch = left_padded_batch(rows, options.pad_id, device);
  const int64_t P = batch.ids.size(1);
  KvCache cache(model.config(), n, P + L - 1, device, weight.scalar_type());
  auto hidden = model.forward_hidden({batch.ids, batch.positions, batch.valid, &cache});
  torch::Tensor log_probs = torch::log_softmax(model.logits(hidden.select(1, P - 1)).to(torch::kFloat), -1);  // [R, V]

  std::vector<Beam> beams;
  for (int64_t b = 0; b < n; ++b) beams.push_back({b, b, SidTrie::kRoot, 0.0});
  std::vector<Candidate> candidates;
  for (int64_t level = 0; level < L; ++level) {
    // Log-probs of every beam's trie children, gathered on the device and copied once.
    std::vector<int64_t> gather_rows, gather_tokens;
    for (const Beam& beam : beams) {
      const int64_t count = trie.child_count(beam.node);
      gather_rows.insert(gather_rows.end(), static_cast<size_t>(count), beam.row);
      gather_tokens.insert(gather_tokens.end(), trie.child_tokens(beam.node), trie.child_tokens(beam.node) + count);
    }
    const torch::Tensor child_lp =
        log_probs.index({torch::tensor(gather_rows, torch::kLong).to(device), torch::tensor(gather_tokens, torch::kLong).to(device)})
            .to(torch::kCPU, torch::kDouble)
            .contiguous();
    const double* lp = child_lp.data_ptr<double>();
    // Top W children per prompt (beams of a prompt are contiguous).
    std::vector<Beam> next;
    std::vector<int64_t> next_tokens;
    size_t k = 0;  // index into lp
    for (size_t i = 0; i < beams.size();) {
      size_t j = i;
      candidates.clear();
      while (j < beams.size() && beams[j].prompt == beams[i].prompt) {
        for (int64_t c = 0; c < trie.child_count(beams[j].node); ++c, ++k)
          candidates.push_back({beams[j].score + lp[k], static_cast<int64_t>(j), trie.child_node(beams[j].node, c),
                                trie.child_tokens(beams[j].node)[c]});
        ++j;
      }
      const size_t keep = std::min(candidates.size(), static_cast<size_t>(W));
      auto better = [&](const Candidate& a, const Candidate& b) {
        if (a.score != b.score) return a.score > b.score;
        return level + 1 == L ? trie.item(a.node) < trie.item(b.node) : a.node < b.node;
      };
      std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(keep), candidates.end(),
                        better);
      for (size_t c = 0; c < keep; ++c) {
        const Candidate& cand = candidates[c];
        const Beam& parent = beams[static_cast<size_t>(cand.parent)];
        next.push_back({parent.prompt, parent.row, cand.node, cand.score});
        next_tokens.push_back(cand.token);
      }
      i = j;
    }
    if (level + 1 == L) {
      for (const Beam& beam : next) {
        auto& list = out[begin + static_cast<size_t>(beam.prompt)];
        if (static_cast<int64_t>(list.size()) < options.num_results) list.push_back({trie.item(beam.node), beam.score});
      }
      break;
    }
    // Cache rows follow their beams; feed the chosen tokens.
    std::vector<int64_t> parent_rows, next_pos;
    for (size_t i = 0; i < next.size(); ++i) {
      parent_rows.push_back(next[i].row);
      next[i].row = static_cast<int64_t>(i);
      next_pos.push_back(batch.lengths[static_cast<size_t>(next[i].prompt)] + level);
    }
    cache.select_rows(torch::tensor(parent_rows, torch::kLong).to(device));
    const int64_t R = static_cast<int64_t>(next.size());
    hidden = model.forward_hidden({torch::tensor(next_tokens, torch::kLong).to(device).view({R, 1}),
                                   torch::tensor(next_pos, torch::kLong).to(device).view({R, 1}), {}, &cache});
    log_probs = torch::log_softmax(model.logits(hidden.select(1, 0)).to(torch::kFloat), -1);  // [R, V]
    beams.swap(next);
  }
}

}  // namespace

std::vector<std::vector<ScoredItem>> beam_search_items(Qwen3LmImpl& model, const SidTrie& trie,
                                                       const std::vector<std::vector<int64_t>>& prompts,
                                                       int64_t sid_begin, const BeamSearchOptions& options) {
  options.validate();
  const int64_t V = model.config().vocab_size;
  require(sid_begin >= 0 && sid_begin < V, "beam search: sid_begin id " + std::to_string(sid_begin) +
                                               " is outside the vocabulary (" + std::to_string(V) + " ids)");
  require(options.pad_id < V, "beam search: pad_id is outside the vocabulary");
  for (size_t p = 0; p < prompts.size(); ++p) {
    require(!prompts[p].empty(), "beam search: prompt " + std::to_string(p) + " is empty");
    for (int64_t id : prompts[p])
      require(id >= 0 && id < V, "beam search: prompt " + std::to_string(p) + " has token " + std::to_string(id) +
                                     " outside the vocabulary (" + std::to_string(V) + " ids)");
  }
  require(trie.max_token() < V, "beam search: the SID trie's tokens lie outside the model's vocabulary (" +
                                    std::to_string(V) + " ids); does the vocabulary have SID tokens?");
  torch::NoGradGuard no_grad;
  EvalModeGuard eval_mode(model);
  std::vector<std::vector<ScoredItem>> out(prompts.size());
  for (size_t begin = 0; begin < prompts.size(); begin += static_cast<size_t>(options.max_batch_prompts)) {
    const size_t end = std::min(prompts.size(), begin + static_cast<size_t>(options.max_batch_prompts));
    search_chunk(model, trie, prompts, begin, end, sid_begin, options, out);
  }
  return out;
}

}  // namespace gr2::lm
