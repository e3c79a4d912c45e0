// A tiny served re-ranker for the serve tests: the small synthetic world, an untrained 1-layer
// checkpoint (direct answer: its greedy answer is still a valid permutation, by the constraint),
// and helpers to build requests from the world's slates.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/reranker/lm_reranker.h"
#include "train/trace_fixtures.h"

namespace gr2::serve::test {

class ServedWorld {
 public:
  ServedWorld() : world_(tmp_.path("data")) {
    const lm::Vocabulary vocab = gr2::test::tiny_vocabulary(world_);
    for (const std::string name : {"direct", "think"}) {
      const std::string dir = tmp_.path(name);
      gr2::test::write_tiny_checkpoint(dir, world_, vocab, 1, 7);
      LmRerankerOptions o;
      o.prompt.think = name == "think";
      o.prompt.max_history = 6;
      o.prompt.title_chars = 16;
      o.max_think_tokens = 8;
      lm::update_gr2_json(dir, "reranker", o.to_json());
    }
  }

  // The checkpoint directory "direct" or "think".
  std::string checkpoint(const std::string& name) const { return tmp_.path(name); }
  // A freshly loaded re-ranker ("direct" or "think").
  std::unique_ptr<LmReranker> reranker(const std::string& name = "direct") const {
    return LmReranker::load(tmp_.path(name), world_.catalog, torch::kCPU);
  }
  // `n` requests from the world's training slates (history cut to 8 items).
  std::vector<RankRequest> requests(size_t n) const {
    std::vector<RankRequest> out;
    for (const Slate& s : world_.train_slates) {
      if (out.size() == n) break;
      RankRequest r = make_request(s);
      if (r.history.size() > 8) r.history.erase(r.history.begin(), r.history.end() - 8);
      out.push_back(std::move(r));
    }
    return out;
  }
  // The /v1/rerank body of `request`.
  static Json body(const RankRequest& request) {
    Json candidates = Json::array();
    for (const Candidate& c : request.candidates) candidates.push_back(c.item_id);
    return {{"user_id", request.user_id}, {"history", request.history}, {"candidates", candidates}};
  }
  const gr2::test::SmallWorld& world() const { return world_; }

 private:
  TempDir tmp_;
  gr2::test::SmallWorld world_;
};

}  // namespace gr2::serve::test
