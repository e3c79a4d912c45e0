// The batching re-rank service (see rerank_service.h).
#include "gr2/serve/rerank_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <numeric>

#include "gr2/core/error.h"
#include "gr2/core/log.h"
#include "gr2/lm/decode_session.h"
#include "gr2/serve/api_error.h"
#include "gr2/serve/request_json.h"

namespace gr2::serve {
namespace {

using Clock = std::chrono::steady_clock;

Clock::time_point deadline_after(double ms) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(ms * 1000.0));
}

std::vector<int> incoming_order(int k) {
  std::vector<int> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

}  // namespace

// A queued unit of work: a re-rank request (batched with others), or a task run alone.
struct RerankService::Pending {
  RankRequest request;
  Clock::time_point deadline;
  std::promise<RerankOutcome> answer;
  std::function<void()> task;  // set: a completion, run alone on the model thread
  std::vector<std::pair<Item, at::Tensor>> new_items;  // new items of the request, with their embeddings
  std::atomic<bool> abandoned{false};  // the caller stopped waiting (deadline): its row is dropped
  std::vector<int64_t> prompt;         // its prompt tokens, once admitted
};


void RerankServiceOptions::validate() const {
  require(max_batch >= 1, "serve: max_batch must be >= 1 (got " + std::to_string(max_batch) + ")");
  require(max_queue >= 0, "serve: max_queue must be >= 0 (got " + std::to_string(max_queue) + ")");
  require(default_timeout_ms > 0, "serve: the default timeout must be > 0 ms");
  require(batch_wait_ms >= 0, "serve: batch_wait_ms must be >= 0");
  require(completion_timeout_ms > 0, "serve: the completion timeout must be > 0 ms");
  require(max_new_items >= 0, "serve: max_new_items must be >= 0 (got " + std::to_string(max_new_items) + ")");
}

RerankService::RerankService(std::unique_ptr<LmReranker> reranker, RerankServiceOptions options,
                             ServiceMetrics* metrics, NewItemSupport new_items)
    : reranker_(std::move(reranker)), options_(options), metrics_(metrics), new_items_(std::move(new_items)) {
  options_.validate();
  check_internal(reranker_ != nullptr && metrics_ != nullptr, "RerankService: null re-ranker or metrics");
  check_internal(new_items_.assigner == nullptr || new_items_.catalog == &reranker_->catalog(),
                 "RerankService: new items need the catalog the re-ranker reads");
  LmRerankerOptions o = reranker_->options();
  o.sampling = lm::SamplingOptions{};  // greedy
  o.batch_size = options_.max_batch;
  o.jump_forward = options_.jump_forward;
  o.prefix_cache = options_.prefix_cache;
  reranker_->set_options(o);
  for (const std::string& id : reranker_->sids().ids) {
    if (reranker_->catalog().find(id)) known_items_.insert(id);
  }
  worker_ = std::thread([this] { run_worker(); });
}

RerankService::~RerankService() { stop(); }

bool RerankService::knows_item(const std::string& item_id) const {
  std::lock_guard<std::mutex> lock(known_mutex_);
  return known_items_.count(item_id) > 0;
}

size_t RerankService::served_items() const {
  std::lock_guard<std::mutex> lock(known_mutex_);
  return known_items_.size();
}

void RerankService::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

int64_t RerankService::queue_depth() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int64_t>(queue_.size());
}

void RerankService::enqueue(std::shared_ptr<Pending> pending) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw ApiError(503, "shutting_down", "the server is shutting down");
    if (static_cast<int>(queue_.size()) >= options_.max_queue)
      throw ApiError::overloaded("the queue is full (" + std::to_string(options_.max_queue) +
                                 " requests waiting); retry later");
    queue_.push_back(std::move(pending));
    metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
  }
  wake_.notify_one();
}

void RerankService::withdraw(const std::shared_ptr<Pending>& pending) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = std::find(queue_.begin(), queue_.end(), pending);
  if (it != queue_.end()) queue_.erase(it);
  metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
}

RerankOutcome RerankService::rerank(const RankRequest& request, double timeout_ms,
                                    const std::vector<NewItem>& new_items) {
  auto pending = std::make_shared<Pending>();
  pending->request = request;
  for (const NewItem& n : new_items) {
    const std::string quoted = quoted_id(n.item.item_id);
    if (!accepts_new_items())
      throw ApiError::bad_request(n.where + ": unknown item " + quoted + ": this server does not accept new items");
    if (knows_item(n.item.item_id)) continue;  // an earlier request added it meanwhile
    int64_t known_terms = 0;
    at::Tensor embedding = new_items_.assigner->embed(n.item.title, n.item.category, n.item.brand, &known_terms);
    if (known_terms == 0) {
      throw ApiError::bad_request(n.where + ": new item " + quoted +
                                  ": none of the words of its title, category or brand is in the catalog's "
                                  "vocabulary, so gr2 cannot place it among the known items");
    }
    pending->new_items.emplace_back(n.item, std::move(embedding));
  }
  if (!pending->new_items.empty()) {
    std::lock_guard<std::mutex> lock(known_mutex_);
    if (added_items_ >= options_.max_new_items)
      throw ApiError(503, "new_items_full",
                     "this server has given SIDs to " + std::to_string(added_items_) + " new items, its limit (" +
                         "--max-new-items); restart it with a catalog and SID table that hold them");
  }
  pending->deadline = deadline_after(timeout_ms > 0 ? timeout_ms : options_.default_timeout_ms);
  std::future<RerankOutcome> answer = pending->answer.get_future();
  enqueue(pending);
  RerankOutcome outcome;
  if (answer.wait_until(pending->deadline) == std::future_status::ready) {
    outcome = answer.get();
  } else {
    withdraw(pending);  // not started: the model never sees it
    pending->abandoned.store(true);  // started: its row leaves the decode at the next step
    outcome.order = incoming_order(request.size());
    outcome.fallback = "timeout";
  }
  if (!outcome.fallback.empty()) metrics_->count_fallback(outcome.fallback);
  return outcome;
}

CompletionResult RerankService::complete(const CompletionRequest& call) {
  auto result = std::make_shared<std::promise<CompletionResult>>();
  std::future<CompletionResult> answer = result->get_future();
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  CompletionRequest request = call;
  request.cancel = cancel;  // set at the deadline: the model thread stops generating for nobody
  auto pending = std::make_shared<Pending>();
  pending->deadline = deadline_after(options_.completion_timeout_ms);
  pending->task = [this, request, result] {
    try {
      result->set_value(run_completion(*reranker_->model(), reranker_->vocabulary(), request));
    } catch (...) {
      result->set_exception(std::current_exception());
    }
  };
  enqueue(pending);
  if (answer.wait_until(pending->deadline) != std::future_status::ready) {
    cancel->store(true);
    withdraw(pending);
    throw ApiError(504, "timeout", "the completion did not finish within " +
                                       std::to_string(static_cast<int64_t>(options_.completion_timeout_ms)) + " ms");
  }
  try {
    CompletionResult r = answer.get();
    metrics_->add_tokens(r.prompt_tokens, r.completion_tokens);
    return r;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Internal) throw;
    throw ApiError::bad_request(e.what());
  }
}

void RerankService::run_worker() {
  // One decode session of up to max_batch rows: waiting requests start when it is idle (or, with
  // options_.continuous, join it between steps); each is answered as soon as it is done. Raw
  // completions run alone, when no answer is being decoded.
  auto session = std::make_unique<lm::DecodeSession>(*reranker_->model(), reranker_->generation_options());
  std::map<int64_t, std::shared_ptr<Pending>> running;  // session row id -> request
  for (;;) {
    std::vector<std::shared_ptr<Pending>> admitted;
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (running.empty()) {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, nothing left to answer
        if (options_.batch_wait_ms > 0 && !stopping_) {
          wake_.wait_for(lock, std::chrono::microseconds(static_cast<int64_t>(options_.batch_wait_ms * 1000.0)),
                         [&] { return stopping_ || static_cast<int>(queue_.size()) >= options_.max_batch; });
        }
        if (!queue_.empty() && queue_.front()->task) {
          task = std::move(queue_.front()->task);
          queue_.pop_front();
        }
      }
      // Re-rank requests up to the next task (arrival order is kept), while rows are free (without
      // continuous batching, only into an idle decode).
      const Clock::time_point now = Clock::now();
      while (!task && (options_.continuous || running.empty()) && !queue_.empty() && !queue_.front()->task &&
             static_cast<int>(running.size() + admitted.size()) < options_.max_batch) {
        std::shared_ptr<Pending> p = std::move(queue_.front());
        queue_.pop_front();
        if (p->deadline > now) admitted.push_back(std::move(p));  // an expired one has its fallback already
      }
      metrics_->set_queue_depth(static_cast<int64_t>(queue_.size()));
    }
    if (task) {
      task();
      continue;
    }
    admit(*session, running, admitted);
    for (auto it = running.begin(); it != running.end();) {  // callers that stopped waiting
      if (it->second->abandoned.load()) {
        session->drop(it->first);
        it = running.erase(it);
      } else {
        ++it;
      }
    }
    if (running.empty()) continue;
    metrics_->observe_batch(static_cast<int64_t>(running.size()));
    try {
      for (auto& [id, result] : session->step()) {
        const std::shared_ptr<Pending> p = running.at(id);
        running.erase(id);
        answer(*p, reranker_->finish_rollout(p->request, std::move(p->prompt), std::move(result)));
      }
    } catch (const std::exception& e) {
      log_warning(std::string("serve: the model failed on a step of ") + std::to_string(running.size()) +
                  " requests: " + e.what());
      for (auto& [id, p] : running) fail(*p);
      running.clear();
      session = std::make_unique<lm::DecodeSession>(*reranker_->model(), reranker_->generation_options());
    }
  }
}

void RerankService::add_new_items(Pending& pending) {
  for (auto& [item, embedding] : pending.new_items) {
    if (knows_item(item.item_id)) continue;
    const int64_t moved_before = new_items_.assigner->moved();
    const std::vector<int32_t> sid = new_items_.assigner->assign(embedding);
    if (!new_items_.catalog->find(item.item_id)) new_items_.catalog->add(item, "serve");
    reranker_->add_item_sid(item.item_id, sid);
    {
      std::lock_guard<std::mutex> lock(known_mutex_);
      known_items_.insert(item.item_id);
      ++added_items_;
    }
    metrics_->count_new_item(new_items_.assigner->moved() > moved_before);
  }
}

void RerankService::admit(lm::DecodeSession& session, std::map<int64_t, std::shared_ptr<Pending>>& running,
                          const std::vector<std::shared_ptr<Pending>>& admitted) {
  // Requests with the same K share the system turn's prefix KV: one add() per K.
  std::map<int, std::vector<std::shared_ptr<Pending>>> by_k;
  for (const auto& p : admitted) {
    try {
      add_new_items(*p);
      by_k[p->request.size()].push_back(p);
    } catch (const std::exception& e) {
      log_warning(std::string("serve: could not add a request's new items: ") + e.what());
      fail(*p);
    }
  }
  for (auto& [k, group] : by_k) {
    try {
      std::vector<lm::GenerationRequest> requests;
      for (const auto& p : group) {
        requests.push_back(reranker_->generation_request(p->request));
        p->prompt = requests.back().prompt;
      }
      const std::vector<int64_t> ids = session.add(std::move(requests), reranker_->prefix_for(k));
      for (size_t i = 0; i < ids.size(); ++i) running.emplace(ids[i], group[i]);
    } catch (const std::exception& e) {
      log_warning(std::string("serve: the model could not start ") + std::to_string(group.size()) +
                  " requests: " + e.what());
      for (const auto& p : group) fail(*p);
    }
  }
}

void RerankService::answer(Pending& pending, const LmRollout& r) {
  RerankOutcome o;
  o.prompt_tokens = static_cast<int64_t>(r.prompt_tokens.size());
  o.completion_tokens = static_cast<int64_t>(r.tokens.size());
  o.reasoning = r.parsed.reasoning;
  if (r.parsed.valid()) {
    o.order = r.parsed.order;
  } else {
    o.order = incoming_order(pending.request.size());
    o.fallback = "invalid_output";
  }
  metrics_->add_tokens(o.prompt_tokens, o.completion_tokens);
  pending.answer.set_value(std::move(o));
}

void RerankService::fail(Pending& pending) {
  RerankOutcome o;
  o.order = incoming_order(pending.request.size());
  o.fallback = "error";
  pending.answer.set_value(std::move(o));
}

}  // namespace gr2::serve
