// `gr2 serve`: a re-ranker checkpoint as an HTTP service (docs/serving.md). Option parsing, signal
// handling and start-up messages only: the service is gr2/serve/rerank_service, the HTTP layer
// gr2/serve/http/http_server.
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "gr2/cli/command.h"
#include "gr2/core/cpu_threads.h"
#include "gr2/core/device.h"
#include "gr2/core/error.h"
#include "gr2/core/file_io.h"
#include "gr2/core/log.h"
#include "gr2/data/catalog.h"
#include "gr2/data/data_dir.h"
#include "gr2/reranker/lm_reranker.h"
#include "gr2/serve/http/http_server.h"
#include "gr2/serve/rerank_service.h"
#include "gr2/serve/service_metrics.h"
#include "gr2/sid/sid_assigner.h"
#include "gr2/sid/sid_table.h"

namespace gr2::cli {
namespace {

volatile std::sig_atomic_t stop_signal = 0;
extern "C" void on_stop_signal(int) { stop_signal = 1; }

struct ServeArgs {
  std::string model, data, device = "auto", api_key_env, model_name, sid_dir, text_model;
  int64_t threads = 1;
  bool no_access_log = false;
  serve::HttpServerOptions http;
  serve::RerankServiceOptions service;
};

std::string last_component(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The SID tokenizer of --sid, checked against the checkpoint: it must give the checkpoint's items
// the SIDs the model was trained on (DIR/sids.jsonl equal to the checkpoint's table where both have
// an item), else new items would get SIDs from another code space.
serve::NewItemSupport load_new_item_support(const ServeArgs& a, const LmReranker& reranker, Catalog& catalog) {
  const sid::SidTable& served = reranker.sids();
  const std::string table_path = join_path(a.sid_dir, "sids.jsonl");
  require(file_exists(table_path), "gr2 serve: --sid " + a.sid_dir +
                                       ": no sids.jsonl (expected the output directory of 'gr2 sid train')");
  const sid::SidTable tokenizer_table = sid::read_sids_jsonl(table_path);
  std::unordered_map<std::string, int64_t> row;
  for (int64_t i = 0; i < tokenizer_table.size(); ++i) row.emplace(tokenizer_table.ids[static_cast<size_t>(i)], i);
  int64_t shared = 0, differ = 0;
  for (int64_t i = 0; i < served.size() && tokenizer_table.levels == served.levels; ++i) {
    const auto it = row.find(served.ids[static_cast<size_t>(i)]);
    if (it == row.end()) continue;
    ++shared;
    if (!std::equal(served.sid(i), served.sid(i) + served.levels, tokenizer_table.sid(it->second))) ++differ;
  }
  require(tokenizer_table.levels == served.levels && shared > 0 && differ == 0,
          strprintf("gr2 serve: --sid %s is not the SID tokenizer of %s: of %lld items both tables hold, %lld have "
                    "other SIDs (levels %lld vs %lld)",
                    a.sid_dir.c_str(), a.model.c_str(), static_cast<long long>(shared), static_cast<long long>(differ),
                    static_cast<long long>(tokenizer_table.levels), static_cast<long long>(served.levels)));
  serve::NewItemSupport support;
  support.catalog = &catalog;
  support.assigner = sid::SidAssigner::load(a.sid_dir, a.text_model, served, reranker.vocabulary().sid_codes());
  log_info(strprintf("gr2 serve: new items with text get SIDs from %s (up to %lld)", a.sid_dir.c_str(),
                     static_cast<long long>(a.service.max_new_items)));
  return support;
}

void run_serve(const ServeArgs& a) {
  serve::HttpServerOptions http = a.http;
  http.model_name = a.model_name.empty() ? last_component(a.model) : a.model_name;
  http.access_log = !a.no_access_log;
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    require(key != nullptr && *key != '\0', "gr2 serve: --api-key-env " + a.api_key_env +
                                                ": the environment variable is not set or empty");
    http.api_key = key;
  }
  set_cpu_threads(a.threads);
  Catalog catalog = Catalog::read_jsonl(DataDir{a.data}.catalog());
  auto reranker = LmReranker::load(a.model, catalog, resolve_device(a.device));
  serve::NewItemSupport new_items;
  if (!a.sid_dir.empty()) new_items = load_new_item_support(a, *reranker, catalog);
  serve::ServiceMetrics metrics;
  serve::RerankService service(std::move(reranker), a.service, &metrics, std::move(new_items));
  serve::HttpServer server(&service, &metrics, http);
  const int port = server.bind();
  log_info(strprintf("gr2 serve: %zu items can be ranked (those of %s that have a SID in the checkpoint, of %lld)",
                     service.served_items(), DataDir{a.data}.catalog().c_str(),
                     static_cast<long long>(service.reranker().sids().size())));
  if (http.api_key.empty() && http.host != "127.0.0.1" && http.host != "localhost" && http.host != "::1")
    log_warning("gr2 serve: listening on " + http.host + " without an API key: anyone who can reach it can use it "
                "(--api-key-env NAME)");

  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::atomic<bool> served{false};
  std::thread watcher([&] {  // stop() is not async-signal-safe: a thread watches the flag
    while (!stop_signal && !served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stop_signal) log_info("gr2 serve: stopping (signal); answering the requests in progress");
    server.stop();
  });
  std::printf("gr2 serve: %s (%s) on http://%s:%d  [max batch %d, queue %d, timeout %.0f ms, %s]\n",
              http.model_name.c_str(), service.reranker().options().prompt.think ? "reasoning" : "direct answer",
              http.host.c_str(), port, a.service.max_batch, a.service.max_queue, a.service.default_timeout_ms,
              http.api_key.empty() ? "no API key" : "bearer token required");
  std::fflush(stdout);
  server.serve();
  served = true;
  watcher.join();
  service.stop();
  log_info("gr2 serve: stopped");
}

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve a re-ranker checkpoint over HTTP: POST /v1/rerank (history + candidates -> a better order),\n"
      "the OpenAI-compatible /v1/chat/completions, /v1/completions and /v1/models on the raw model,\n"
      "GET /healthz, GET /metrics (Prometheus), GET /openapi.json. Concurrent requests are decoded\n"
      "together; every answer is a valid permutation (the incoming order with a 'fallback' reason when\n"
      "the deadline passes). Binds 127.0.0.1 unless --host says otherwise; SIGTERM stops it after the\n"
      "requests in progress. See docs/serving.md.\n"
      "Example (after make demo): gr2 serve --model work/demo/rl_conditional --data work/demo/data --port 8000");
  cmd->add_option("--model", a->model, "Re-ranker checkpoint directory (sft or rl output)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--data", a->data, "Data directory whose catalog.jsonl holds the served items")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--host", a->http.host, "Address to bind")->capture_default_str();
  cmd->add_option("--port", a->http.port, "Port (0 = any free port; the start-up line says which)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--model-name", a->model_name, "Name in responses and requests' 'model' (default: DIR's name)");
  cmd->add_option("--api-key-env", a->api_key_env,
                  "Require 'Authorization: Bearer <key>' with the key read from this environment variable");
  cmd->add_option("--threads", a->threads, "LibTorch and BLAS threads of the model")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{256}));
  cmd->add_option("--http-threads", a->http.threads, "HTTP worker threads (connections served at once)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-batch", a->service.max_batch, "Most requests decoded together")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--max-queue", a->service.max_queue, "Most requests waiting; one more gets 503 + Retry-After")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--timeout-ms", a->service.default_timeout_ms,
                  "Deadline of a request without timeout_ms; then the incoming order is returned")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600000.0));
  cmd->add_option("--completion-timeout-ms", a->service.completion_timeout_ms,
                  "Deadline of a /v1/completions or /v1/chat/completions call (then 504)")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600000.0));
  cmd->add_option("--batch-wait-ms", a->service.batch_wait_ms,
                  "Wait this long for more requests before decoding a batch that is not full")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-candidates", a->http.limits.max_candidates, "Most candidates per request (K)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--max-history", a->http.limits.max_history, "Most history items per request")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--max-body-bytes", a->http.limits.max_body_bytes, "Largest request body (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{256}, int64_t{1} << 30));
  auto* sid_option = cmd->add_option("--sid", a->sid_dir,
                  "SID tokenizer directory (gr2 sid train's output, e.g. work/demo/sid): requests may then\n"
                  "carry items the catalog does not know, with their text; they get SIDs on the fly")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--text-model", a->text_model,
                  "The new-item text model (default: DIR/embeddings.text_embedder.safetensors of --sid)")
      ->check(CLI::ExistingFile)
      ->needs(sid_option);
  cmd->add_option("--max-new-items", a->service.max_new_items, "Most new items given SIDs while serving (then 503)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{100000000}));
  cmd->add_flag("--no-access-log", a->no_access_log, "Do not log one line per request");
  cmd->add_flag("!--no-jump-forward", a->service.jump_forward,
                "Decode every answer token with a model step (default: forced tokens are jumped over)");
  cmd->add_flag("--continuous-batching", a->service.continuous,
                "Let requests join the running decode between steps (default: a batch runs to its end first;\n"
                "faster on CPU for the demo model, docs/benchmarks.md)");
  cmd->add_flag("!--no-prefix-cache", a->service.prefix_cache,
                "Prefill the system turn with every request (default: its keys/values are computed once per K)");
  add_device_option(*cmd, a->device);
  cmd->callback([a] { run_serve(*a); });
}

}  // namespace

GR2_REGISTER_COMMAND(95, add_serve_command);

}  // namespace gr2::cli
