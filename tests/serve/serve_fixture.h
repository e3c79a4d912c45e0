// A tiny served re-ranker for the serve tests: the small synthetic world, an untrained 1-layer
// checkpoint (direct answer: its greedy answer is still a valid permutation, by the constraint),
// helpers to build requests from the world's slates, and a SID tokenizer directory for new items.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gr2/core/jsonl.h"
#include "gr2/lm/model_checkpoint.h"
#include "gr2/core/file_io.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/sid/embeddings.h"
#include "gr2/sid/rq_kmeans.h"
#include "gr2/sid/sid_config.h"
#include "gr2/sid/sid_pipeline.h"
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

// A `gr2 sid train`-shaped directory for `world` at `dir`: embeddings with their text model, RQ-KMeans
// codebooks (4 levels x 16 codes, as the fixture's checkpoint), and the checkpoint's own SID table
// as sids.jsonl: the SID tokenizer `gr2 serve --sid` and NewItemSupport need.
inline void write_sid_tokenizer_dir(const ServedWorld& world, const std::string& dir) {
  sid::SidConfig c;
  c.levels = 4;
  c.codes = 16;
  c.embed_dim = 16;
  c.kmeans_iters = 5;
  make_directories(dir);
  world.world().catalog.write_jsonl(join_path(dir, "catalog.jsonl"));
  sid::EmbedOptions eo;
  eo.catalog = join_path(dir, "catalog.jsonl");
  eo.out = join_path(dir, "embeddings.safetensors");
  eo.device = "cpu";
  sid::run_embed(c, eo);
  const sid::ItemEmbeddings e = sid::load_embeddings(eo.out);
  sid::fit_rq_kmeans(e.vectors, c, torch::kCPU).save(join_path(dir, "codebooks.safetensors"));
  sid::write_sids_jsonl(world.world().sids, join_path(dir, "sids.jsonl"));
}

}  // namespace gr2::serve::test
