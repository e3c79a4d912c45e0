// The re-ranking service: one LM re-ranker behind a bounded queue. Callers (HTTP handler threads)
// submit requests and wait; one worker thread decodes them in one decode session
// (lm/decode_session.h), up to max_batch rows: the waiting requests start together when the session
// is idle, or, with continuous batching, join the running decode between its steps; each is
// answered as soon as its own answer is complete, and the model is never entered from two threads. Every caller gets a valid ranking: the model's
// (constrained decoding writes a permutation of the candidates) or, when its deadline passes or
// the output cannot be used, the incoming order with the reason. Raw completions (the OpenAI-compatible
// routes) go through the same queue and thread, one at a time. Knows nothing of HTTP.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "gr2/data/rank_request.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/sid/sid_assigner.h"
#include "gr2/serve/completion.h"
#include "gr2/serve/rerank_api.h"
#include "gr2/serve/service_metrics.h"

namespace gr2::lm {
class DecodeSession;
}

namespace gr2::serve {

struct RerankServiceOptions {
  int max_batch = 16;              // most requests decoded together, i.e. rows of the running decode (>= 1)
  int max_queue = 64;              // most requests waiting for the model; one more is refused (>= 0)
  double default_timeout_ms = 2000;// deadline of a request that names none (> 0)
  double batch_wait_ms = 0;        // when the decode is idle and a request arrives, wait this long for
                                   // more before starting (0 = start at once; later ones join anyway)
  double completion_timeout_ms = 60000;  // deadline of a raw completion (OpenAI-compatible routes)
  bool jump_forward = true;        // forced answer tokens without model steps (lm/generator.h):
                                   // the same rankings (up to float rounding), far fewer decode steps

  bool continuous = false;         // true: requests join the running decode between steps (continuous
                                   // batching); false: only an idle one, so a batch runs to its end
                                   // before the next starts (faster on CPU: docs/benchmarks.md)
  bool prefix_cache = true;        // the system turn's keys/values computed once per K (lm/prefix_kv.h)
  int64_t max_new_items = 100000; // most items given a SID from their text while serving (>= 0)

  // Throws Error naming the option when a value is out of range.
  void validate() const;
};

// What the service needs to accept items the served catalog does not know (rerank_api.h NewItem):
// the catalog the re-ranker reads (the service appends new items to it, on the model thread, the
// only thread that reads it while serving; not owned, must outlive the service) and the assigner
// of SIDs from text.
struct NewItemSupport {
  Catalog* catalog = nullptr;
  std::unique_ptr<sid::SidAssigner> assigner;
};

class RerankService {
 public:
  // Takes ownership of `reranker` and starts the worker. Decoding is greedy whatever the
  // checkpoint's sampling settings (a served ranking is deterministic). `metrics` (not owned) must
  // outlive the service. Throws Error for invalid options.
  // With `new_items` (its catalog must be the one `reranker` reads), requests may carry new items.
  RerankService(std::unique_ptr<LmReranker> reranker, RerankServiceOptions options, ServiceMetrics* metrics,
                NewItemSupport new_items = {});
  // stop(), then releases the model.
  ~RerankService();

  // Ranks `request`, whose items are known (knows_item) or among `new_items`. New items are embedded
  // from their text on the calling thread, then given a unique SID and added to the served catalog
  // on the model thread before the batch that holds the request (later requests may name them
  // without text). Blocks until the model answers or `timeout_ms` (<= 0: the default) has passed
  // since the call; then the answer is the incoming order with fallback "timeout" (the request is
  // dropped if the model has not started on it). Throws ApiError 400 when new items come and the
  // service does not accept them, or when none of a new item's words is in the catalog's
  // vocabulary; 503 ("overloaded") when max_queue requests are already waiting or the service is
  // stopping; 503 ("new_items_full") when max_new_items items have been added already.
  RerankOutcome rerank(const RankRequest& request, double timeout_ms, const std::vector<NewItem>& new_items = {});

  // Runs a raw completion (completion.h) on the model thread, in arrival order with the re-rank
  // requests but never batched with them. Throws ApiError: 503 when the queue is full or the
  // service is stopping; 504 ("timeout") when options().completion_timeout_ms passes first; 400
  // when the model refuses the request (prompt + max_tokens over its context).
  CompletionResult complete(const CompletionRequest& request);

  // True when `item_id` is in the served catalog and has a SID (it may appear in a request).
  bool knows_item(const std::string& item_id) const;
  // How many items knows_item accepts.
  size_t served_items() const;
  // True when requests may carry new items (the service was given NewItemSupport).
  bool accepts_new_items() const { return new_items_.assigner != nullptr; }
  // Requests waiting for the model now.
  int64_t queue_depth() const;
  const RerankServiceOptions& options() const { return options_; }
  const LmReranker& reranker() const { return *reranker_; }

  // Refuses new requests, lets the worker answer every request already queued, and joins it.
  // Idempotent; safe to call from any thread but the worker.
  void stop();

  RerankService(const RerankService&) = delete;
  RerankService& operator=(const RerankService&) = delete;

 private:
  struct Pending;
  std::unique_ptr<LmReranker> reranker_;
  RerankServiceOptions options_;
  ServiceMetrics* metrics_;
  NewItemSupport new_items_;
  mutable std::mutex known_mutex_;              // guards known_items_ and added_items_
  std::unordered_set<std::string> known_items_;
  int64_t added_items_ = 0;                     // new items admitted (max_new_items bounds it)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread worker_;

  // Queues `pending` (throws ApiError 503 when full or stopping) and wakes the worker.
  void enqueue(std::shared_ptr<Pending> pending);
  // Takes `pending` off the queue if the worker has not taken it yet.
  void withdraw(const std::shared_ptr<Pending>& pending);
  void run_worker();
  // Gives `admitted` requests their new items' SIDs and adds them to the running decode (`running`:
  // session row id -> request); a request that cannot start is answered with fallback "error".
  void admit(lm::DecodeSession& session, std::map<int64_t, std::shared_ptr<Pending>>& running,
             const std::vector<std::shared_ptr<Pending>>& admitted);
  // Completes a request with the model's answer, or the incoming order when it cannot be used.
  void answer(Pending& pending, const LmRollout& rollout);
  // Completes a request with the incoming order and fallback "error".
  void fail(Pending& pending);
  // On the model thread: gives `pending`'s new items SIDs and adds them to the served catalog.
  // Throws Error when an item cannot be added.
  void add_new_items(Pending& pending);
};

}  // namespace gr2::serve
