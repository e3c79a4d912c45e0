// The checkpoint teacher (see checkpoint_teacher.h).
#include "gr2/train/traces/teachers/checkpoint_teacher.h"

#include <torch/torch.h>

#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/rng.h"
#include "gr2/core/utf8.h"
#include "gr2/reranker/lm_reranker.h"

namespace gr2::train::traces::teachers {

CheckpointTeacher::CheckpointTeacher(const Catalog& catalog, const prompt::PromptRenderer& renderer,
                                     CheckpointTeacherOptions options)
    : renderer_(renderer), options_(std::move(options)) {
  require(!options_.dir.empty(), "the checkpoint teacher needs a directory (teacher = \"checkpoint:DIR\")");
  require(options_.temperature >= 0.0, "the checkpoint teacher's temperature must be >= 0");
  require(options_.batch_size >= 1, "the checkpoint teacher's batch size must be >= 1");
  reranker_ = LmReranker::load(options_.dir, catalog, resolve_device(options_.device));
  LmRerankerOptions o = reranker_->options();
  if (!o.prompt.think)
    throw Error("checkpoint teacher " + options_.dir +
                ": this model answers without a think block (gr2.json reranker.think = false), so it writes no "
                "reasoning to distil; use an SFT or RL checkpoint trained with reasoning");
  if (options_.max_think_tokens > 0) o.max_think_tokens = options_.max_think_tokens;
  o.batch_size = options_.batch_size;
  o.sampling = lm::SamplingOptions{};
  o.sampling.temperature = options_.temperature;
  reranker_->set_options(o);
}

CheckpointTeacher::~CheckpointTeacher() = default;

Json CheckpointTeacher::describe() const {
  const LmRerankerOptions& o = reranker_->options();
  return Json{{"dir", options_.dir},
              {"temperature", options_.temperature},
              {"seed", options_.seed},
              {"max_think_tokens", o.max_think_tokens},
              {"batch_size", o.batch_size},
              {"prompt", Json{{"max_history", o.prompt.max_history}, {"title_chars", o.prompt.title_chars}}}};
}

TeacherTrace CheckpointTeacher::teach(const TeachRequest& request) { return teach_batch({request}).front(); }

std::vector<TeacherTrace> CheckpointTeacher::teach_batch(const std::vector<TeachRequest>& requests) {
  std::vector<TeacherTrace> out(requests.size());
  if (requests.empty()) return out;
  std::vector<RankRequest> asks;
  asks.reserve(requests.size());
  uint64_t batch_seed = splitmix64(options_.seed);
  for (size_t i = 0; i < requests.size(); ++i) {
    const TeachRequest& t = requests[i];
    require(t.request != nullptr, "checkpoint teacher: a request without a slate");
    if (t.target >= 0)
      throw Error("the checkpoint teacher supports rejection mode only: its prompt has no place for the label "
                  "(use --mode rejection, or the heuristic or http teacher for targeted traces)");
    out[i].seed = attempt_seed(options_.seed, t.request->request_id, t.attempt);
    batch_seed = splitmix64(batch_seed ^ out[i].seed);
    asks.push_back(*t.request);
  }
  torch::NoGradGuard no_grad;
  const std::vector<LmRollout> rollouts = reranker_->rollout(asks, 1, batch_seed);
  for (size_t i = 0; i < requests.size(); ++i) {
    TeacherTrace& trace = out[i];
    const LmRollout& r = rollouts[i];
    trace.info = Json{{"think_tokens", r.think_tokens}, {"answer_tokens", static_cast<int64_t>(r.tokens.size())}};
    if (!r.parsed.valid()) {
      trace.failure = prompt::failure_name(r.parsed.failure);
      trace.message = r.parsed.message;
    }
    if (!r.parsed.valid() || !check_citations(r.parsed.reasoning, *requests[i].request, renderer_, trace)) {
      trace.info["reply"] = utf8_excerpt(r.text, kFailedReplyKeptBytes);  // decoded bytes may be invalid UTF-8
      continue;
    }
    trace.valid = true;
    trace.order = r.parsed.order;
    trace.reasoning = r.parsed.reasoning;
  }
  return out;
}

}  // namespace gr2::train::traces::teachers
